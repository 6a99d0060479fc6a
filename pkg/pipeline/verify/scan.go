package verify

import (
	"slices"

	"github.com/dbintel/dbintel/pkg/sqlmask"
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
	if d.on[typeSecret] && secretAttribute(key) && s != "" && !placeholder(s) {
		out = append(out, finding{start: 0, end: len(s), typ: typeSecret})
	} else if d.on[typeSecret] && (flags&(fEq|fAt|fB|fUpper|fDash) != 0) && len(s) >= 8 {
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

// dropInsideMarkers removes findings that overlap a marker written by an
// earlier pass, which is what makes verification idempotent: the hex of
// [HASHED:card:…] is never read as a new number. Markers are located once
// and looked up by binary search, so many findings stay cheap.
func dropInsideMarkers(s string, out []finding, n0 int) []finding {
	var buf [8][2]int
	marks := sqlmask.MarkerSpans(s, buf[:0])
	if len(marks) == 0 {
		return out
	}
	w := n0
	for _, f := range out[n0:] {
		if !sqlmask.Overlaps(marks, f.start, f.end) {
			out[w] = f
			w++
		}
	}
	return out[:w]
}
