package verify

import (
	"slices"
	"strings"
)

// piiType is a recogniser; the order is the priority when two findings
// overlap (a password inside a URL wins over the email-like "pass@host").
type piiType uint8

const (
	typeSecret piiType = iota
	typeCard
	typeIBAN
	typeSSN
	typeEmail
	typePhone
	typeIP
	numTypes
)

var typeNames = [numTypes]string{"secret", "card", "iban", "ssn", "email", "phone", "ip"}

func (t piiType) String() string { return typeNames[t] }

// finding is a byte range of a string holding a value of one type.
type finding struct {
	start, end int
	typ        piiType
}

// Character classes of the pre-scan: one table lookup per byte tells which
// recognisers can possibly match, so most strings ("postgresql", "idle",
// "SELECT ...") are rejected before any recogniser runs.
const (
	fAt      = 1 << iota // '@': email, URL credentials
	fEq                  // '=' or ':': key=value secrets
	fDot                 // '.': IPv4
	fColon               // ':': IPv6
	fUpper               // A-Z: IBAN, AWS keys
	fDash                // '-': PEM blocks
	fPlus                // '+': E.164
	fBracket             // '[': an earlier marker may be present
	fB                   // 'B' or 'b': Bearer
)

var classes = func() (t [256]uint16) {
	t['@'] = fAt
	t['='] = fEq
	t[':'] = fEq | fColon
	t['.'] = fDot
	t['-'] = fDash
	t['+'] = fPlus
	t['['] = fBracket
	for c := 'A'; c <= 'Z'; c++ {
		t[c] |= fUpper
	}
	t['B'] |= fB
	t['b'] |= fB
	return t
}()

// detector runs the enabled recognisers on one string.
type detector struct {
	on [numTypes]bool
}

// scan appends the findings in s to out (sorted, non-overlapping) and
// returns it. key is the attribute key the value sits under ("" for bodies
// and names); it is context for bare numbers ("user.ssn": 123456789).
func (d *detector) scan(s, key string, out []finding) []finding {
	var flags uint16
	digits := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		flags |= classes[c]
		if c-'0' < 10 {
			digits++
		}
	}
	n0 := len(out)
	if d.on[typeSecret] && (flags&(fEq|fAt|fB|fUpper|fDash) != 0) && len(s) >= 8 {
		out = findSecrets(s, flags, out)
	}
	if d.on[typeCard] && digits >= 13 {
		out = findCards(s, key, out)
	}
	if d.on[typeIBAN] && digits >= 2 && flags&fUpper != 0 && len(s) >= 15 {
		out = findIBANs(s, out)
	}
	if d.on[typeSSN] && digits >= 9 {
		out = findSSNs(s, key, out)
	}
	if d.on[typeEmail] && flags&fAt != 0 {
		out = findEmails(s, out)
	}
	if d.on[typePhone] && digits >= 8 {
		out = findPhones(s, key, out)
	}
	if d.on[typeIP] && ((digits >= 4 && flags&fDot != 0) || flags&fColon != 0) {
		out = findIPs(s, out)
	}
	if len(out) == n0 {
		return out
	}
	if flags&fBracket != 0 {
		out = dropInsideMarkers(s, out, n0)
	}
	return resolve(out, n0)
}

// resolve sorts the findings from n0 on and removes overlaps (see wins).
func resolve(out []finding, n0 int) []finding {
	f := out[n0:]
	if len(f) < 2 {
		return out
	}
	slices.SortFunc(f, func(a, b finding) int {
		if a.start != b.start {
			return a.start - b.start
		}
		return b.end - a.end
	})
	w := 0
	for _, x := range f {
		if w > 0 && x.start < f[w-1].end {
			if wins(x, f[w-1]) {
				f[w-1] = x
			}
			continue
		}
		f[w] = x
		w++
	}
	return out[:n0+w]
}

// wins reports whether x replaces the overlapping y: a secret always wins
// (the password inside "user:pass@host" is not an email); otherwise the
// finding that contains the other wins (an IBAN whose digits look like a
// card is an IBAN), then the type order.
func wins(x, y finding) bool {
	switch {
	case x.typ == typeSecret || y.typ == typeSecret:
		return x.typ == typeSecret && y.typ != typeSecret
	case x.start <= y.start && x.end >= y.end:
		return true
	case y.start <= x.start && y.end >= x.end:
		return false
	}
	return x.typ < y.typ
}

const (
	redactPrefix = "[REDACTED:"
	hashPrefix   = "[HASHED:"
)

// dropInsideMarkers removes findings that overlap a marker written by an
// earlier pass, which is what makes verification idempotent: the hex of
// [HASHED:card:…] is never read as a new number.
func dropInsideMarkers(s string, out []finding, n0 int) []finding {
	w := n0
	for _, f := range out[n0:] {
		if !insideMarker(s, f.start, f.end) {
			out[w] = f
			w++
		}
	}
	return out[:w]
}

func insideMarker(s string, start, end int) bool {
	for i := 0; i < end; {
		j := strings.IndexByte(s[i:end], '[')
		if j < 0 {
			return false
		}
		j += i
		rest := s[j:]
		if strings.HasPrefix(rest, redactPrefix) || strings.HasPrefix(rest, hashPrefix) {
			k := strings.IndexByte(rest, ']')
			if k > 0 && j+k >= start {
				return true
			}
		}
		i = j + 1
	}
	return false
}

// Byte helpers shared by the recognisers.

func isDigit(c byte) bool { return c-'0' < 10 }
func isUpper(c byte) bool { return c-'A' < 26 }
func isLower(c byte) bool { return c-'a' < 26 }
func isAlpha(c byte) bool { return isUpper(c) || isLower(c) }
func isAlnum(c byte) bool { return isDigit(c) || isAlpha(c) }

func lower(c byte) byte {
	if isUpper(c) {
		return c + 'a' - 'A'
	}
	return c
}

// numberStartOK reports whether a number starting at i stands alone: not the
// tail of an identifier (a716…), a decimal (.5), a negative number, an LSN
// (0/3000148) or a dashed id whose previous group is a number (uuid groups).
func numberStartOK(s string, i int) bool {
	if i == 0 {
		return true
	}
	p := s[i-1]
	if isAlnum(p) || p == '_' || p == '$' || p == '/' || p == '\\' {
		return false
	}
	if p == '-' || p == '.' || p == '+' {
		return i >= 2 && isAlpha(s[i-2])
	}
	return true
}

// numberEndOK is numberStartOK for the end of a number at e (exclusive).
func numberEndOK(s string, e int) bool {
	if e >= len(s) {
		return true
	}
	c := s[e]
	if isAlnum(c) || c == '_' {
		return false
	}
	if (c == '.' || c == '-' || c == '/' || c == ',') && e+1 < len(s) && isDigit(s[e+1]) {
		return false
	}
	return true
}

// containsFold reports whether s contains the lower-case ASCII word w,
// ignoring case, without allocating.
func containsFold(s, w string) bool {
	for i := 0; i+len(w) <= len(s); i++ {
		j := 0
		for j < len(w) && lower(s[i+j]) == w[j] {
			j++
		}
		if j == len(w) {
			return true
		}
	}
	return false
}

// contextBefore is the text up to n bytes before position i.
func contextBefore(s string, i, n int) string {
	if i > n {
		return s[i-n : i]
	}
	return s[:i]
}

// idWord reports whether the word just before position i names an
// identifier, a time or a position (queryid=…, trace_id: …, lsn …,
// epoch_ms=…): a bare number there is not a card, SSN or phone number.
func idWord(s string, i int) bool {
	return idSuffix(wordBefore(s, i))
}

// idKey is idWord for the attribute key a value sits under (db.query.id,
// customer.id).
func idKey(key string) bool {
	j := len(key)
	for j > 0 && (isAlpha(key[j-1]) || key[j-1] == '_') {
		j--
	}
	return idSuffix(key[j:])
}

func wordBefore(s string, i int) string {
	j := i
	for j > 0 && i-j < 4 {
		c := s[j-1]
		if c == ' ' || c == '=' || c == ':' || c == '"' || c == '\'' || c == '\t' {
			j--
			continue
		}
		break
	}
	end := j
	for j > 0 && (isAlpha(s[j-1]) || s[j-1] == '_' || s[j-1] == '.' || s[j-1] == '-') {
		j--
	}
	return s[j:end]
}

func idSuffix(w string) bool {
	if len(w) < 2 {
		return false
	}
	for _, suf := range idSuffixes {
		if len(w) >= len(suf) && asciiEqualFold(w[len(w)-len(suf):], suf) {
			return true
		}
	}
	return false
}

var idSuffixes = []string{"id", "ids", "lsn", "ts", "time", "timestamp", "epoch", "ms", "ns", "us",
	"seq", "offset", "version", "port", "hash", "size", "bytes", "count", "duration"}

func asciiEqualFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if lower(a[i]) != lower(b[i]) {
			return false
		}
	}
	return true
}
