package sqlmask

import (
	"encoding/json"
	"strings"
)

// MaxDepth bounds how deep MaskPlan and MaskPlanMap reason about a plan's
// structure. Real plans nest two levels per plan node ("Plans": [{…}]), so
// a 200-table join stays far below it. Beyond it every string value is
// masked, whatever its key: a document that deep is not a plan, and
// failing closed costs nothing.
const MaxDepth = 512

// MaskPlan returns the JSON plan with every string value under an
// expression key (IsExprKey), at any depth below it, passed through mask.
// Every other byte is kept: key order, repeated keys (MariaDB repeats
// "table"), numbers and white space. It is a tolerant, iterative scanner,
// not a parser: text before the first '{' (auto_explain's "plan:" prefix)
// is kept as is, broken JSON is masked as far as it can be read, and any
// nesting costs one counter, never stack.
func MaskPlan(s string, mask func(string) string) string {
	i := strings.IndexByte(s, '{')
	if i < 0 {
		return s
	}
	var b strings.Builder
	last := 0
	depth := 0       // open containers
	exprFrom := 0    // depth of the container opened under an expression key; 0: none
	pending := false // the value being read belongs to an expression key
	for i < len(s) {
		switch s[i] {
		case '{', '[':
			depth++
			if pending && exprFrom == 0 {
				exprFrom = depth
			}
			pending = false
			i++
		case '}', ']':
			if depth == exprFrom {
				exprFrom = 0
			}
			depth = max(depth-1, 0) // broken JSON closes more than it opened
			pending = false
			i++
		case '"':
			j := stringEnd(s, i)
			if j >= len(s) {
				i = len(s)
				continue
			}
			if isKey(s, j+1) {
				pending = depth <= MaxDepth && IsExprKey(s[i+1:j])
			} else if pending || exprFrom != 0 || depth > MaxDepth {
				// A string that does not decode (a bad escape) cannot be
				// masked token by token: it is replaced whole.
				mv, v := "?", ""
				if json.Unmarshal([]byte(s[i:j+1]), &v) == nil {
					mv = mask(v)
				}
				if mv != v {
					b.WriteString(s[last:i])
					writeJSONString(&b, mv)
					last = j + 1
				}
				pending = false
			}
			i = j + 1
		default:
			k := strings.IndexAny(s[i:], `{}[]"`)
			if k < 0 {
				i = len(s)
			} else {
				i += k
			}
		}
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// stringEnd returns the index of the quote closing the JSON string that
// starts at s[i], or len(s) when it is not closed.
func stringEnd(s string, i int) int {
	j := i + 1
	for j < len(s) && s[j] != '"' {
		if s[j] == '\\' {
			j++
		}
		j++
	}
	return min(j, len(s))
}

// isKey reports whether the string ending before s[k] is an object key:
// the next non-space byte is ':'.
func isKey(s string, k int) bool {
	for k < len(s) && (s[k] == ' ' || s[k] == '\n' || s[k] == '\t' || s[k] == '\r') {
		k++
	}
	return k < len(s) && s[k] == ':'
}

func writeJSONString(b *strings.Builder, s string) {
	const hex = "0123456789abcdef"
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\t':
			b.WriteString(`\t`)
		case c < 0x20:
			b.WriteString(`\u00`)
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
}
