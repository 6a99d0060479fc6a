package verify

import "strings"

// Secrets, where the surrounding text says what they are:
//   - password=…, passwd=…, pwd=… in connection strings, URLs query strings
//     and JSON ("password": "…"); the key stays, the value is replaced;
//   - the password of URL credentials (scheme://user:pass@host);
//   - bearer tokens (Authorization: Bearer …);
//   - AWS access key ids (AKIA…, ASIA…);
//   - PEM private key blocks, whole.
// A value that is a placeholder ($1, ?, ${env:X}, ***) is not a secret.

func findSecrets(s string, flags uint16, out []finding) []finding {
	if flags&fEq != 0 {
		out = findKeyValueSecrets(s, out)
	}
	if flags&fAt != 0 {
		out = findURLPasswords(s, out)
	}
	if flags&fB != 0 {
		out = findBearer(s, out)
	}
	if flags&fUpper != 0 {
		out = findAWSKeys(s, out)
	}
	if flags&fDash != 0 {
		out = findPEM(s, out)
	}
	return out
}

// secretKeys name a secret in key=value text and as attribute keys.
// "password" and "passwd" may carry any prefix (db_password, PGPASSWORD);
// the others need a non-letter before them (client_secret, x-api_key).
var secretKeys = []string{"password", "passwd", "pwd", "secret", "api_key", "apikey", "access_token",
	"auth_token", "authorization", "private_key"}

// secretKeyAt reports whether a secret key ends at k in s.
func secretKeyAt(s string, k int) bool {
	for _, w := range secretKeys {
		if k < len(w) || !asciiEqualFold(s[k-len(w):k], w) {
			continue
		}
		if w == "password" || w == "passwd" || k == len(w) || !isAlpha(s[k-len(w)-1]) {
			return true
		}
	}
	return false
}

// secretAttribute reports whether an attribute key names a secret
// (db.password, http.request.header.authorization): its whole value is one.
func secretAttribute(key string) bool {
	return key != "" && secretKeyAt(key, len(key))
}

func findKeyValueSecrets(s string, out []finding) []finding {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '=' && c != ':' {
			continue
		}
		// key just before: optional closing quote, then letters.
		k := i
		quoted := false
		for k > 0 && i-k < 4 && s[k-1] == ' ' {
			k--
		}
		if k > 0 && (s[k-1] == '"' || s[k-1] == '\'') {
			quoted = true
			k--
		}
		if c == ':' && !quoted {
			continue // "password: too short" is prose; JSON keys are quoted
		}
		if !secretKeyAt(s, k) {
			continue
		}
		start := i + 1
		for start < len(s) && s[start] == ' ' {
			start++
		}
		end := start
		if start < len(s) && (s[start] == '"' || s[start] == '\'') {
			q := s[start]
			start++
			end = start
			for end < len(s) && s[end] != q {
				if s[end] == '\\' {
					end++
				}
				end++
			}
			end = min(end, len(s))
		} else {
			for end < len(s) && !strings.ContainsRune(" \t\r\n;&,)}]\"'", rune(s[end])) {
				end++
			}
		}
		if end > start && !placeholder(s[start:end]) {
			out = append(out, finding{start: start, end: end, typ: typeSecret})
		}
		i = max(end-1, i)
	}
	return out
}

func placeholder(v string) bool {
	return v == "?" || v[0] == '$' || v[0] == '[' || strings.Trim(v, "*x") == "" || v[0] == '%' || v[0] == ':' && len(v) > 1
}

func findURLPasswords(s string, out []finding) []finding {
	for off := 0; ; {
		k := strings.Index(s[off:], "://")
		if k < 0 {
			return out
		}
		u := off + k + 3
		off = u
		colon, at := -1, -1
		for j := u; j < len(s); j++ {
			c := s[j]
			if c == '/' || c == ' ' || c == '\t' || c == '\n' || c == '"' || c == '\'' || c == '?' || c == '#' {
				break
			}
			if c == ':' && colon < 0 {
				colon = j
			}
			if c == '@' {
				at = j
			}
		}
		if colon > u && at > colon+1 && !placeholder(s[colon+1:at]) {
			out = append(out, finding{start: colon + 1, end: at, typ: typeSecret})
			off = at
		}
	}
}

func findBearer(s string, out []finding) []finding {
	for i := 0; i+7 < len(s); i++ {
		if (s[i] != 'B' && s[i] != 'b') || !asciiEqualFold(s[i:i+7], "bearer ") || i > 0 && isAlnum(s[i-1]) {
			continue
		}
		start := i + 7
		for start < len(s) && s[start] == ' ' {
			start++
		}
		end := start
		for end < len(s) && (isAlnum(s[end]) || strings.IndexByte("-._~+/=", s[end]) >= 0) {
			end++
		}
		if tokenLike(s[start:end]) {
			out = append(out, finding{start: start, end: end, typ: typeSecret})
		}
		i = end
	}
	return out
}

func findAWSKeys(s string, out []finding) []finding {
	for i := 0; i+20 <= len(s); i++ {
		if s[i] != 'A' || (s[i+1:i+4] != "KIA" && s[i+1:i+4] != "SIA") || i > 0 && isAlnum(s[i-1]) {
			continue
		}
		j := i + 4
		for j < i+20 && (isUpper(s[j]) || isDigit(s[j])) {
			j++
		}
		if j == i+20 && (j == len(s) || !isAlnum(s[j])) {
			out = append(out, finding{start: i, end: j, typ: typeSecret})
			i = j - 1
		}
	}
	return out
}

func findPEM(s string, out []finding) []finding {
	for off := 0; ; {
		k := strings.Index(s[off:], "-----BEGIN ")
		if k < 0 {
			return out
		}
		start := off + k
		hdrEnd := strings.Index(s[start+11:], "-----")
		if hdrEnd < 0 {
			return out
		}
		hdr := s[start+11 : start+11+hdrEnd]
		off = start + 11 + hdrEnd + 5
		if !strings.HasSuffix(hdr, "PRIVATE KEY") {
			continue
		}
		end := len(s)
		if e := strings.Index(s[off:], "-----END "+hdr+"-----"); e >= 0 {
			end = off + e + len("-----END "+hdr+"-----")
		}
		out = append(out, finding{start: start, end: end, typ: typeSecret})
		off = end
	}
}

// tokenLike tells a credential from a word after "Bearer" ("Bearer
// authentication failed"): tokens are long and carry digits or mixed case.
func tokenLike(t string) bool {
	if len(t) < 8 {
		return false
	}
	var digit, up, low bool
	for i := 0; i < len(t); i++ {
		digit = digit || isDigit(t[i])
		up = up || isUpper(t[i])
		low = low || isLower(t[i])
	}
	return digit || up && low && len(t) >= 16
}
