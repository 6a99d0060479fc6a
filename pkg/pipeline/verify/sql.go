package verify

import (
	"encoding/json"
	"strings"

	"github.com/DataDog/go-sqllexer"
	"go.opentelemetry.io/collector/pdata/pcommon"
)

// sqlMasker replaces SQL literals (strings, numbers) with '?', keeping every
// other token byte for byte so the text stays readable and a second pass is
// a no-op. It is stateless and safe for concurrent use.
type sqlMasker struct {
	o *sqllexer.Obfuscator
}

func newSQLMasker() sqlMasker {
	return sqlMasker{o: sqllexer.NewObfuscator()}
}

// mask returns s with literals replaced. Markers of an earlier pass
// ([HASHED:email:0a1b…]) are copied around, never lexed: their hex would
// otherwise read as numbers.
func (m sqlMasker) mask(s string, dbms sqllexer.DBMSType) string {
	if !mayHaveLiteral(s) {
		return s
	}
	out := m.once(s, dbms)
	// The lexer does not always lex its own output the same way (a '?' next
	// to an operator character joins it: "0--0" gives "?--0", whose "?--"
	// is one operator, so the 0 becomes a number; unbalanced quotes and
	// dollars are read differently once the token before them changed).
	// Masking until stable makes verifying twice a no-op. Plain ASCII SQL
	// with none of those features is stable after one pass (the fuzz target
	// checks this), so it is lexed once.
	for range 8 {
		if out == s || !unstable(out) {
			return out
		}
		s, out = out, m.once(out, dbms)
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
		case c == '[' && markerAt(s, i):
			if e := strings.IndexByte(s[i:], ']'); e > 0 {
				i += e
			}
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

func (m sqlMasker) once(s string, dbms sqllexer.DBMSType) string {
	var b strings.Builder
	b.Grow(len(s))
	var marks [][2]int
	if strings.Contains(s, redactPrefix) || strings.Contains(s, hashPrefix) {
		marks = markerSpans(s, nil)
	}
	lx := sqllexer.New(s, sqllexer.WithDBMS(dbms))
	off := 0
	for {
		tok := lx.Scan()
		if tok.Type == sqllexer.EOF {
			break
		}
		n := len(tok.Value)
		keep := marks != nil && off+n <= len(s) && s[off:off+n] == tok.Value && overlaps(marks, off, off+n)
		if !keep {
			m.o.ObfuscateTokenValue(tok, nil)
		}
		b.WriteString(tok.Value)
		off += n
	}
	return b.String()
}

// mayHaveLiteral is the cheap pre-scan: true wherever the lexer could see
// a literal — a quote, a dollar-quoted string, a digit that starts a token
// (not t1 or $1), a sign before a dot. Markers of an earlier pass are
// skipped (their hex is not a number), so the answer, and the output, is
// the same on a second pass. Texts already obfuscated by the scraper skip
// the lexer entirely.
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
		case c == '[' && markerAt(s, i):
			if e := strings.IndexByte(s[i:], ']'); e > 0 {
				i += e
			}
		}
	}
	return false
}

// dialect maps db.system(.name) to the lexer's dialect: MySQL quotes strings
// with " and identifiers with `, which changes what is a literal.
func dialect(maps ...pcommon.Map) sqllexer.DBMSType {
	for _, m := range maps {
		for _, k := range [...]string{"db.system.name", "db.system"} {
			if v, ok := m.Get(k); ok {
				switch v.Str() {
				case "mysql", "mariadb":
					return sqllexer.DBMSMySQL
				case "postgresql":
					return sqllexer.DBMSPostgres
				case "mssql", "microsoft.sql_server":
					return sqllexer.DBMSSQLServer
				case "oracle", "oracle.db":
					return sqllexer.DBMSOracle
				}
			}
		}
	}
	return ""
}

// planExprKeys are the plan fields that hold SQL expressions (and so may
// hold literals): PostgreSQL EXPLAIN (FORMAT JSON) and MySQL/MariaDB
// EXPLAIN FORMAT=JSON. Node types, relations, indexes, costs and rows are
// other fields and stay as they are.
var planExprKeys = map[string]bool{
	"Filter": true, "Index Cond": true, "Recheck Cond": true, "Join Filter": true, "Hash Cond": true,
	"Merge Cond": true, "TID Cond": true, "One-Time Filter": true, "Order By": true, "Sort Key": true,
	"Group Key": true, "Output": true, "Cache Key": true, "Presorted Key": true, "Run Condition": true,
	"Function Call": true, "Table Function Call": true, "Subplan Name": true,
	"attached_condition": true, "index_condition": true, "pushed_index_condition": true,
}

// maskPlanJSON masks literals inside the expression fields of a JSON plan
// held as text, leaving every other byte alone. It is a tolerant scanner,
// not a parser: text before the first '{' (auto_explain's "plan:" prefix)
// is skipped, and broken JSON is masked as far as it can be read.
func (m sqlMasker) maskPlanJSON(s string, dbms sqllexer.DBMSType) string {
	i := strings.IndexByte(s, '{')
	if i < 0 {
		return s
	}
	var b strings.Builder
	last, pending := 0, false
	for i < len(s) {
		switch s[i] {
		case '{':
			pending = false
			i++
		case '"':
			j := i + 1
			for j < len(s) && s[j] != '"' {
				if s[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(s) {
				i = len(s)
				continue
			}
			k := j + 1
			for k < len(s) && (s[k] == ' ' || s[k] == '\n' || s[k] == '\t' || s[k] == '\r') {
				k++
			}
			if k < len(s) && s[k] == ':' {
				pending = planExprKeys[s[i+1:j]]
			} else if pending {
				var v string
				if json.Unmarshal([]byte(s[i:j+1]), &v) == nil {
					if mv := m.mask(v, dbms); mv != v {
						b.WriteString(s[last:i])
						writeJSONString(&b, mv)
						last = j + 1
					}
				}
			}
			i = j + 1
		default:
			i++
		}
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
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

// maskPlanMap masks the expression fields of a plan held as a map body.
func (m sqlMasker) maskPlanMap(mp pcommon.Map, dbms sqllexer.DBMSType) {
	mp.Range(func(k string, v pcommon.Value) bool {
		m.maskPlanValue(k, v, dbms)
		return true
	})
}

func (m sqlMasker) maskPlanValue(k string, v pcommon.Value, dbms sqllexer.DBMSType) {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		if planExprKeys[k] {
			if mv := m.mask(v.Str(), dbms); mv != v.Str() {
				v.SetStr(mv)
			}
		}
	case pcommon.ValueTypeMap:
		m.maskPlanMap(v.Map(), dbms)
	case pcommon.ValueTypeSlice:
		sl := v.Slice()
		for i := 0; i < sl.Len(); i++ {
			m.maskPlanValue(k, sl.At(i), dbms)
		}
	}
}

// dbms is the SQL dialect of the data being verified ("" when unknown).
type dbms = sqllexer.DBMSType
