// Package sqlhash computes db.query.text.normalized.hash: the MD5 of a SQL
// text normalised the way New Relic's APM agents normalise the statements
// they trace (and New Relic's database receivers follow), so a database's
// query events and an application's slow-query traces of the same
// statement carry the same hash and New Relic can join them.
//
// Normalisation: upper case; string literals, numeric literals and bind
// placeholders (?, $1, :name, @name, %(name)s) become `?`; a parenthesised
// list of two or more of those after IN becomes `(?)`; comments become
// `?`; all whitespace is removed.
package sqlhash

import (
	"crypto/md5" // #nosec G501 -- the APM agents' hash; an identifier, not security
	"encoding/hex"
	"strings"
)

// Hash returns the lowercase hex MD5 of the normalised text, "" for "".
func Hash(sql string) string {
	if sql == "" {
		return ""
	}
	sum := md5.Sum([]byte(Normalize(sql))) // #nosec G401
	return hex.EncodeToString(sum[:])
}

// Normalize returns the normalised form of sql (see the package comment).
func Normalize(sql string) string {
	if sql == "" {
		return ""
	}
	return stripCommentsAndSpace(replaceLiterals(strings.ToUpper(sql)))
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// isIdent reports an identifier byte of an upper-cased text.
func isIdent(c byte) bool { return 'A' <= c && c <= 'Z' || isDigit(c) || c == '_' }

// replaceLiterals is the first pass: literals and placeholders to `?`,
// IN lists to `(?)`.
func replaceLiterals(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\'':
			i = skipString(s, i)
			b.WriteByte('?')
		case c == '(' && afterIN(b.String()):
			if end, ok := inList(s, i); ok {
				b.WriteString("(?)")
				i = end
			} else {
				b.WriteByte('(')
				i++
			}
		case isNumber(s, i):
			i = skipNumber(s, i)
			b.WriteByte('?')
		case isPlaceholder(s, i):
			i = skipPlaceholder(s, i)
			b.WriteByte('?')
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String()
}

// skipString returns the index after the string literal opening at i
// (” and backslash escapes stay inside; an unterminated one runs to the
// end).
func skipString(s string, i int) int {
	for i++; i < len(s); {
		switch s[i] {
		case '\'':
			if i+1 < len(s) && s[i+1] == '\'' {
				i += 2
				continue
			}
			return i + 1
		case '\\':
			i += 2
		default:
			i++
		}
	}
	return len(s)
}

// isNumber reports a numeric literal (optionally signed, or starting with
// a decimal point) at i that is not the tail of an identifier.
func isNumber(s string, i int) bool {
	c := s[i]
	if !isDigit(c) && c != '-' && c != '+' && c != '.' {
		return false
	}
	if i > 0 {
		if p := s[i-1]; 'A' <= p && p <= 'Z' || p == '_' || p == '`' {
			return false
		}
	}
	j := i
	if c == '-' || c == '+' {
		j++
	}
	if j < len(s) && s[j] == '.' {
		j++
	}
	return j < len(s) && isDigit(s[j])
}

func skipNumber(s string, i int) int {
	if s[i] == '-' || s[i] == '+' {
		i++
	}
	digits := func() {
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	}
	digits()
	if i < len(s) && s[i] == '.' {
		i++
		digits()
	}
	if i < len(s) && s[i] == 'E' {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		digits()
	}
	return i
}

func isPlaceholder(s string, i int) bool {
	c := s[i]
	if c == '?' {
		return true
	}
	if i+1 >= len(s) {
		return false
	}
	n := s[i+1]
	switch c {
	case '$':
		return isDigit(n)
	case ':', '@':
		return isIdent(n)
	case '%':
		return n == '('
	}
	return false
}

func skipPlaceholder(s string, i int) int {
	switch s[i] {
	case '?':
		return i + 1
	case '$':
		i++
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	case ':', '@':
		i++
		for i < len(s) && isIdent(s[i]) {
			i++
		}
	case '%': // %(NAME)S
		i += 2
		for i < len(s) && s[i] != ')' {
			i++
		}
		if i < len(s) {
			i++
		}
		if i < len(s) && s[i] == 'S' {
			i++
		}
	}
	return i
}

// afterIN reports whether out ends with the keyword IN (then whitespace).
func afterIN(out string) bool {
	out = strings.TrimRight(out, " \t\r\n")
	n := len(out)
	return n >= 2 && out[n-2:] == "IN" && (n == 2 || !isIdent(out[n-3]))
}

// inList reports whether the parentheses opening at i hold two or more
// literals or placeholders and nothing else, and returns the index after
// the closing parenthesis.
func inList(s string, i int) (end int, ok bool) {
	items := 0
	for i++; i < len(s) && s[i] != ')'; {
		switch c := s[i]; {
		case isSpace(c) || c == ',':
			i++
		case isPlaceholder(s, i):
			i = skipPlaceholder(s, i)
			items++
		case isNumber(s, i):
			i = skipNumber(s, i)
			items++
		case c == '\'':
			i = skipString(s, i)
			items++
		default:
			return 0, false
		}
	}
	if items < 2 || i >= len(s) {
		return 0, false
	}
	return i + 1, true
}

// stripCommentsAndSpace is the second pass: comments become `?`, all
// whitespace goes; string literals left over are copied as they are.
func stripCommentsAndSpace(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\'':
			end := skipQuoted(s, i)
			b.WriteString(s[i:end])
			i = end
		case c == '/' && i+1 < len(s) && s[i+1] == '*':
			end := strings.Index(s[i+2:], "*/")
			if end < 0 {
				i = len(s)
			} else {
				i += 2 + end + 2
			}
			b.WriteByte('?')
		case c == '-' && i+1 < len(s) && s[i+1] == '-', c == '#':
			for i < len(s) && s[i] != '\n' && s[i] != '\r' {
				i++
			}
			b.WriteByte('?')
		case isSpace(c):
			i++
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String()
}

// skipQuoted is skipString without backslash escapes, as the second pass
// of the agents copies a leftover literal.
func skipQuoted(s string, i int) int {
	for i++; i < len(s); i++ {
		if s[i] == '\'' {
			if i+1 < len(s) && s[i+1] == '\'' {
				i++
				continue
			}
			return i + 1
		}
	}
	return len(s)
}
