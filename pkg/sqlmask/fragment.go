package sqlmask

import (
	"strings"

	"github.com/DataDog/go-sqllexer"
)

// Mask returns the SQL fragment s with its literals replaced by `?`,
// keeping every other token byte for byte so the text stays readable next
// to its plan node or log line. Markers of an earlier verification are
// copied, never lexed. Masking the result again changes nothing.
func Mask(s string, d DBMS) string {
	if !mayHaveLiteral(s) {
		return s
	}
	out := once(s, d)
	// The lexer does not always lex its own output the same way (a '?' next
	// to an operator character joins it: "0--0" gives "?--0", whose "?--"
	// is one operator, so the 0 becomes a number; unbalanced quotes and
	// dollars are read differently once the token before them changed).
	// Masking until stable makes masking twice a no-op. Plain ASCII SQL with
	// none of those features is stable after one pass (the fuzz target
	// checks this), so it is lexed once.
	for range 8 {
		if out == s || !unstable(out) {
			return out
		}
		s, out = out, once(out, d)
	}
	if out == s {
		return out
	}
	return flatten(out)
}

// flatten is the last resort for text the lexer keeps re-reading
// ("0@0@0@…" gains one '?' per pass): every byte that could start a literal
// becomes '?', outside markers, after which mayHaveLiteral is false and the
// text is stable.
func flatten(s string) string {
	b := []byte(s)
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case c == '[':
			i = skipMarker(s, i)
		case isDigit(c) || c == '\'' || c == '"' || c == '$':
			b[i] = '?'
		case (c == '+' || c == '-') && i+1 < len(b) && b[i+1] == '.':
			b[i+1] = '?'
		}
	}
	return string(b)
}

func unstable(s string) bool {
	var q1, q2, q3 int
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\'':
			q1++
		case c == '"':
			q2++
		case c == '`':
			q3++
		case c == '?':
			// A placeholder joins its neighbours unless they are spaces or
			// punctuation ("A?" lexes as one identifier, "?-" as one
			// operator).
			if i > 0 && strings.IndexByte(" \t\n\r(,=<>", s[i-1]) < 0 ||
				i+1 < len(s) && strings.IndexByte(" \t\n\r),;", s[i+1]) < 0 {
				return true
			}
		case c == '$' || c == '\\' || c >= 0x80 || c < 0x20 && c != '\n' && c != '\t' && c != '\r':
			return true
		}
	}
	return q1%2 == 1 || q2%2 == 1 || q3%2 == 1
}

func once(s string, d DBMS) string {
	var b strings.Builder
	b.Grow(len(s))
	var marks [][2]int
	if HasMarker(s) {
		marks = MarkerSpans(s, nil)
	}
	lx := sqllexer.New(s, sqllexer.WithDBMS(d))
	off := 0
	for {
		tok := lx.Scan()
		if tok.Type == sqllexer.EOF {
			break
		}
		n := len(tok.Value)
		keep := marks != nil && off+n <= len(s) && s[off:off+n] == tok.Value && Overlaps(marks, off, off+n)
		if !keep {
			lexObf.ObfuscateTokenValue(tok, nil)
		}
		b.WriteString(tok.Value)
		off += n
	}
	return b.String()
}

// mayHaveLiteral is the cheap pre-scan: true wherever the lexer could see
// a literal — a quote, a dollar-quoted string, a digit that starts a token
// (not t1 or $1), a sign before a dot. Markers are skipped (their hex is
// not a number), so the answer, and the output, is the same on a second
// pass. Texts the scraper already obfuscated skip the lexer entirely.
func mayHaveLiteral(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\'' || c == '"':
			return true
		case c == '$' && (i+1 == len(s) || !isDigit(s[i+1])):
			return true
		case (c == '+' || c == '-') && i+1 < len(s) && s[i+1] == '.':
			return true
		case isDigit(c) && (i == 0 || !(isAlnum(s[i-1]) || s[i-1] == '_' || s[i-1] == '$')):
			return true
		case c == '[':
			i = skipMarker(s, i)
		}
	}
	return false
}

func isDigit(c byte) bool { return c-'0' < 10 }
func isAlnum(c byte) bool { return isDigit(c) || c|0x20-'a' < 26 }
