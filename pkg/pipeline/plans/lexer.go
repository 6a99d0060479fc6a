package plans

import (
	"encoding/json"
	"errors"
	"strconv"
)

// errParse and errTooDeep are the two ways a plan fails; they map to the
// db.query.plan.error values "parse" and "too_large".
var (
	errParse   = errors.New("plan is not valid JSON")
	errTooDeep = errors.New("plan nesting exceeds max_depth")
)

// lexer is a single-pass JSON reader over one plan. It exists instead of
// encoding/json's Decoder.Token because Token boxes every token in an
// interface and copies every string (see BenchmarkExtract5KB for the
// numbers); here keys are compared in place and only the few values the
// extractor keeps are converted. It validates the grammar as it goes, so a
// malformed plan is an error, not a partial result. Duplicate keys (MariaDB
// writes some) are simply seen twice.
type lexer struct {
	data     []byte
	pos      int
	depth    int
	maxDepth int
	err      error
}

func (l *lexer) fail(err error) {
	if l.err == nil {
		l.err = err
	}
}

func (l *lexer) ws() {
	for l.pos < len(l.data) {
		switch l.data[l.pos] {
		case ' ', '\t', '\n', '\r':
			l.pos++
		default:
			return
		}
	}
}

// peek returns the next non-blank byte without consuming it (0 at the end).
func (l *lexer) peek() byte {
	l.ws()
	if l.pos >= len(l.data) {
		return 0
	}
	return l.data[l.pos]
}

func (l *lexer) enter() bool {
	l.depth++
	if l.depth > l.maxDepth {
		l.fail(errTooDeep)
		return false
	}
	return true
}

// object reads an object, calling member for each key with the lexer
// positioned at the value; member must consume exactly one value.
func (l *lexer) object(member func(key []byte)) {
	if l.err != nil || l.peek() != '{' || !l.enter() {
		l.fail(errParse)
		return
	}
	l.pos++
	if l.peek() == '}' {
		l.pos++
		l.depth--
		return
	}
	for l.err == nil {
		key := l.str()
		if l.peek() != ':' {
			l.fail(errParse)
			return
		}
		l.pos++
		member(key)
		switch l.peek() {
		case ',':
			l.pos++
		case '}':
			l.pos++
			l.depth--
			return
		default:
			l.fail(errParse)
		}
	}
}

// array reads an array, calling elem with the lexer positioned at each element.
func (l *lexer) array(elem func()) {
	if l.err != nil || l.peek() != '[' || !l.enter() {
		l.fail(errParse)
		return
	}
	l.pos++
	if l.peek() == ']' {
		l.pos++
		l.depth--
		return
	}
	for l.err == nil {
		elem()
		switch l.peek() {
		case ',':
			l.pos++
		case ']':
			l.pos++
			l.depth--
			return
		default:
			l.fail(errParse)
		}
	}
}

// str reads a string and returns its content. Without escapes the result
// aliases the input (no allocation); with escapes it is decoded by
// encoding/json, which knows every escape rule.
func (l *lexer) str() []byte {
	if l.err != nil || l.peek() != '"' {
		l.fail(errParse)
		return nil
	}
	start := l.pos
	l.pos++
	escaped := false
	for l.pos < len(l.data) {
		c := l.data[l.pos]
		switch {
		case c == '"':
			l.pos++
			if !escaped {
				return l.data[start+1 : l.pos-1]
			}
			var s string
			if err := json.Unmarshal(l.data[start:l.pos], &s); err != nil {
				l.fail(errParse)
				return nil
			}
			return []byte(s)
		case c == '\\':
			escaped = true
			l.pos += 2
		case c < 0x20:
			l.fail(errParse)
			return nil
		default:
			l.pos++
		}
	}
	l.fail(errParse)
	return nil
}

// num reads a JSON number, or a string holding one (MySQL writes costs as
// strings). ok is false for any other value, which is still consumed.
func (l *lexer) num() (v float64, ok bool) {
	switch c := l.peek(); {
	case c == '"':
		s := l.str()
		return parseNum(s)
	case c == '-' || (c >= '0' && c <= '9'):
		start := l.pos
		for l.pos < len(l.data) {
			c := l.data[l.pos]
			if (c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-' {
				l.pos++
				continue
			}
			break
		}
		v, ok := parseNum(l.data[start:l.pos])
		if !ok {
			l.fail(errParse)
		}
		return v, ok
	default:
		l.skip()
		return 0, false
	}
}

// boolean reads true/false; any other value is consumed and reads as false.
func (l *lexer) boolean() bool {
	if l.peek() == 't' {
		return l.literal("true")
	}
	l.skip()
	return false
}

func (l *lexer) literal(word string) bool {
	if len(l.data)-l.pos < len(word) || string(l.data[l.pos:l.pos+len(word)]) != word {
		l.fail(errParse)
		return false
	}
	l.pos += len(word)
	return true
}

// skip consumes one value of any kind, validating it.
func (l *lexer) skip() {
	switch c := l.peek(); {
	case l.err != nil:
	case c == '{':
		l.object(func([]byte) { l.skip() })
	case c == '[':
		l.array(l.skip)
	case c == '"':
		l.str()
	case c == 't':
		l.literal("true")
	case c == 'f':
		l.literal("false")
	case c == 'n':
		l.literal("null")
	case c == '-' || (c >= '0' && c <= '9'):
		l.num()
	default:
		l.fail(errParse)
	}
}

// pow10 holds the powers of ten that float64 represents exactly.
var pow10 = [...]float64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// parseNum converts a decimal. Plans are full of numbers like 1234.56: with
// at most 15 significant digits and no exponent, mantissa / 10^frac is
// exactly rounded (both operands are exact), so strconv (and its string
// allocation) is only needed for the rare long or exponent form.
func parseNum(b []byte) (float64, bool) {
	var m int64
	digits, frac, i := 0, -1, 0
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		i = 1
	}
	for ; i < len(b); i++ {
		c := b[i]
		switch {
		case c >= '0' && c <= '9':
			m = m*10 + int64(c-'0')
			digits++
			if frac >= 0 {
				frac++
			}
		case c == '.' && frac < 0:
			frac = 0
		default:
			digits = 99 // exponent or junk: let strconv decide
		}
	}
	if digits == 0 || frac == 0 {
		return 0, false
	}
	if digits <= 15 {
		v := float64(m)
		if frac > 0 {
			v /= pow10[frac]
		}
		if neg {
			v = -v
		}
		return v, true
	}
	v, err := strconv.ParseFloat(string(b), 64)
	return v, err == nil
}
