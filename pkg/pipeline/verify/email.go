package verify

import "strings"

// Email addresses: a local part of the common characters, '@', and a domain
// of at least two labels ending in an alphabetic TLD. Version pins
// (pkg@1.2.3), PostgreSQL operators (@>, @@), handles (@name), hosts without
// a dot (user@localhost) and image names (icon@2x.png) do not match.

func findEmails(s string, out []finding) []finding {
	for off := 0; ; {
		k := strings.IndexByte(s[off:], '@')
		if k < 0 {
			return out
		}
		at := off + k
		off = at + 1
		start := at
		for start > 0 && isLocalChar(s[start-1]) {
			start--
		}
		for start < at && (s[start] == '.' || s[start] == '-' || s[start] == '+') {
			start++ // a local part does not start with punctuation
		}
		if start == at || at-start > 64 || s[at-1] == '.' {
			continue
		}
		end, ok := domainEnd(s, at+1)
		if !ok {
			continue
		}
		out = append(out, finding{start: start, end: end, typ: typeEmail})
		off = end
	}
}

func isLocalChar(c byte) bool {
	return isAlnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-'
}

// domainEnd returns the end of a domain starting at i.
func domainEnd(s string, i int) (int, bool) {
	labels, lastStart, j := 0, i, i
	for {
		k := j
		for k < len(s) && (isAlnum(s[k]) || s[k] == '-') {
			k++
		}
		if k == j || s[j] == '-' || s[k-1] == '-' {
			break
		}
		labels++
		lastStart = j
		j = k
		if j+1 < len(s) && s[j] == '.' && isAlnum(s[j+1]) {
			j++
			continue
		}
		break
	}
	if labels < 2 || j-i > 253 {
		return 0, false
	}
	tld := s[lastStart:j]
	if len(tld) < 2 || len(tld) > 24 {
		return 0, false
	}
	for x := 0; x < len(tld); x++ {
		if !isAlpha(tld[x]) {
			return 0, false
		}
	}
	for _, ext := range fileExts {
		if asciiEqualFold(tld, ext) {
			return 0, false
		}
	}
	return j, true
}

// fileExts are "TLDs" that are really file names (logo@2x.png).
var fileExts = []string{"png", "jpg", "jpeg", "gif", "svg", "webp", "css", "js", "ts", "go", "py", "rb", "java", "json", "yaml", "yml", "txt", "log"}
