package verify

// Phone numbers, in two forms a person writes them:
//   - international E.164: '+', a country code, 8–15 digits in all, with
//     optional single spaces, dashes, dots or a parenthesised group;
//   - North American (NANP): (NPA) NXX-XXXX, NPA-NXX-XXXX, NPA.NXX.XXXX,
//     NPA NXX XXXX, optionally after "1-"/"1 ", with valid area and
//     exchange codes.
// A bare ten-digit number counts only next to a phone word ("phone", "tel",
// "mobile", ...) in the key or just before it. Dates (2024-01-15), times,
// versions (1.2.3), LSNs (0/3000148) and ids do not have these shapes.

func findPhones(s, key string, out []finding) []finding {
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '+' && (i == 0 || !isAlnum(s[i-1])) && i+1 < len(s) && isDigit(s[i+1]):
			p, ok := parsePhone(s, i+1)
			if ok && e164OK(p) {
				out = append(out, finding{start: i, end: p.end, typ: typePhone})
			}
			i = p.end
		case (isDigit(c) || c == '(') && numberStartOK(s, i) && !(c == '(' && (i+1 >= len(s) || !isDigit(s[i+1]))):
			p, ok := parsePhone(s, i)
			if ok && nanpOK(p, s, key, i) {
				out = append(out, finding{start: i, end: p.end, typ: typePhone})
			}
			if p.end > i {
				i = p.end
			} else {
				i++
			}
		case isAlnum(c):
			i = skipWord(s, i)
		default:
			i++
		}
	}
	return out
}

// phone is the shape of a digit sequence: group lengths, which group was in
// parentheses, the separators used.
type phone struct {
	groups  [8]int8
	n       int
	paren   int // index of the parenthesised group, -1 if none
	digits  int
	seps    uint8 // bit set: 1 space, 2 dash, 4 dot
	end     int
	compact [15]byte
}

func parsePhone(s string, i int) (phone, bool) {
	p := phone{paren: -1, end: i}
	j := i
	for j < len(s) && p.n < len(p.groups) {
		inParen := false
		if s[j] == '(' {
			if j+1 >= len(s) || !isDigit(s[j+1]) {
				break
			}
			inParen = true
			j++
		}
		k := j
		for k < len(s) && isDigit(s[k]) {
			if p.digits < len(p.compact) {
				p.compact[p.digits] = s[k]
			}
			p.digits++
			k++
		}
		if k == j {
			break
		}
		p.groups[p.n] = int8(min(k-j, 127))
		if inParen {
			if k >= len(s) || s[k] != ')' {
				return p, false
			}
			p.paren = p.n
			k++
		}
		p.n++
		p.end = k
		j = k
		if j+1 < len(s) {
			sep := s[j]
			next := s[j+1]
			if inParen && sep == ' ' && (isDigit(next)) || !inParen && (sep == ' ' || sep == '-' || sep == '.') && (isDigit(next) || next == '(') {
				p.seps |= sepBit(sep)
				j++
				continue
			}
			if inParen && isDigit(sep) {
				continue
			}
		}
		break
	}
	if p.digits > 15 || !numberEndOK(s, p.end) {
		return p, false
	}
	return p, p.digits >= 8
}

func sepBit(c byte) uint8 {
	switch c {
	case ' ':
		return 1
	case '-':
		return 2
	}
	return 4
}

// e164OK validates a number written after '+'.
func e164OK(p phone) bool {
	if p.digits < 8 || p.digits > 15 || p.compact[0] == '0' {
		return false
	}
	if p.compact[0] == '1' { // NANP under +1
		return p.digits == 11 && nanpCodes(p.compact[1:11])
	}
	return true
}

// nanpOK validates a North American number written without '+'.
func nanpOK(p phone, s, key string, i int) bool {
	d := p.compact[:]
	g := p.groups[:p.n]
	switch {
	case p.digits == 10 && p.n == 3 && g[0] == 3 && g[1] == 3 && g[2] == 4 && (p.paren == 0 || p.paren == -1) && (p.seps&4 == 0 || p.seps == 4):
	case p.digits == 11 && p.n == 4 && g[0] == 1 && d[0] == '1' && g[1] == 3 && g[2] == 3 && g[3] == 4 && (p.paren == 1 || p.paren == -1):
		d = d[1:]
	case p.digits == 10 && p.n == 1 && phoneContext(s, key, i) && !idWord(s, i) && !idKey(key):
	default:
		return false
	}
	return nanpCodes(d[:10])
}

// nanpCodes checks area code and exchange: [2-9]XX, not N11.
func nanpCodes(d []byte) bool {
	if d[0] < '2' || d[3] < '2' {
		return false
	}
	if d[1] == '1' && d[2] == '1' || d[4] == '1' && d[5] == '1' {
		return false
	}
	return true
}

func phoneContext(s, key string, i int) bool {
	c := contextBefore(s, i, 32)
	for _, w := range phoneWords {
		if containsFold(key, w) || containsFold(c, w) {
			return true
		}
	}
	return false
}

var phoneWords = []string{"phone", "tel", "mobile", "cell", "fax", "sms", "whatsapp"}
