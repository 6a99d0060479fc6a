package newrelic

import (
	"fmt"
	"strings"
	"unicode"
)

type tokKind int

const (
	tEOF tokKind = iota
	tIdent
	tString
	tNumber
	tOp  // ( ) , * / + - = != <> < > <= >=
	tVar // {{name}}
)

type token struct {
	kind     tokKind
	text     string // identifier (backticks removed), string contents, number, op, var name
	quoted   bool   // a backticked identifier: never a keyword
	position int
}

// is reports whether t is the keyword kw (case-insensitive, not backticked).
func (t token) is(kw string) bool {
	return t.kind == tIdent && !t.quoted && strings.EqualFold(t.text, kw)
}

func lex(q string) ([]token, error) {
	var toks []token
	r := []rune(q)
	for i := 0; i < len(r); {
		c := r[i]
		switch {
		case unicode.IsSpace(c):
			i++
		case c == '`':
			j := i + 1
			for j < len(r) && r[j] != '`' {
				j++
			}
			if j >= len(r) {
				return nil, fmt.Errorf("unterminated backtick at %d", i)
			}
			toks = append(toks, token{kind: tIdent, text: string(r[i+1 : j]), quoted: true, position: i})
			i = j + 1
		case c == '\'' || c == '"':
			var b strings.Builder
			j := i + 1
			for ; j < len(r) && r[j] != c; j++ {
				if r[j] == '\\' && j+1 < len(r) {
					j++
				}
				b.WriteRune(r[j])
			}
			if j >= len(r) {
				return nil, fmt.Errorf("unterminated string at %d", i)
			}
			toks = append(toks, token{kind: tString, text: b.String(), position: i})
			i = j + 1
		case c == '{' && i+1 < len(r) && r[i+1] == '{':
			end := strings.Index(string(r[i:]), "}}")
			if end < 0 {
				return nil, fmt.Errorf("unterminated template variable at %d", i)
			}
			name := strings.TrimSpace(string(r[i+2 : i+end]))
			toks = append(toks, token{kind: tVar, text: name, position: i})
			i += end + 2
		case unicode.IsDigit(c) || (c == '.' && i+1 < len(r) && unicode.IsDigit(r[i+1])):
			j := i
			for j < len(r) && (unicode.IsDigit(r[j]) || r[j] == '.') {
				j++
			}
			toks = append(toks, token{kind: tNumber, text: string(r[i:j]), position: i})
			i = j
		case unicode.IsLetter(c) || c == '_':
			j := i
			for j < len(r) && (unicode.IsLetter(r[j]) || unicode.IsDigit(r[j]) || r[j] == '_' || r[j] == '.') {
				j++
			}
			toks = append(toks, token{kind: tIdent, text: string(r[i:j]), position: i})
			i = j
		default:
			two := ""
			if i+1 < len(r) {
				two = string(r[i : i+2])
			}
			switch two {
			case "!=", "<>", "<=", ">=":
				toks = append(toks, token{kind: tOp, text: two, position: i})
				i += 2
				continue
			}
			if strings.ContainsRune("(),*/+-=<>", c) {
				toks = append(toks, token{kind: tOp, text: string(c), position: i})
				i++
				continue
			}
			return nil, fmt.Errorf("unexpected %q at %d", c, i)
		}
	}
	return append(toks, token{kind: tEOF, position: len(r)}), nil
}
