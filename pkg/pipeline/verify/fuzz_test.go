package verify

import (
	"strings"
	"testing"

	"github.com/dbintel/dbintel/pkg/sqlmask"
)

// FuzzVerifyString feeds arbitrary text through the string path of the
// verifier with every type on. Properties: no panic; no detected value is
// left outside a marker; verifying the output again changes nothing; the
// SQL path is idempotent too.
func FuzzVerifyString(f *testing.F) {
	for _, s := range []string{
		"Key (email)=(ann@example.com) already exists.",
		"DETAIL:  Failing row contains (1, 4111 1111 1111 1111, 123-45-6789, +44 20 7946 0958).",
		"postgres://app:pw1234567@db:5432/x password=abc Bearer abcDEF123456 AKIAIOSFODNN7EXAMPLE",
		"IBAN GB82 WEST 1234 5698 7654 32 from 10.0.0.1 and [2001:db8::1]",
		"-----BEGIN EC PRIVATE KEY-----\nabc\n-----END EC PRIVATE KEY-----",
		"SELECT * FROM t WHERE a = 'x@y.com' AND b = 42 /* [HASHED:email:0123456789abcdef] */",
		"[REDACTED:card] [HASHED:ssn:",
		"(415) 555-2671 1-800-555-0199 phone 4155552671",
		// Server-log structure (logtext.go), so the fuzzer starts inside it.
		"ERROR:  duplicate key value violates unique constraint \"u\"\nDETAIL:  Key (a, b)=(x), y)) already exists.\nSTATEMENT:  INSERT INTO t VALUES ('x', 1)",
		"LOG:  duration: 0.1 ms  execute <unnamed>: SELECT $1\nDETAIL:  parameters: $1 = 'a''b'\nCONTEXT:  SQL statement \"SELECT 'c'\"",
		"LOG:  duration: 1 ms  plan:\n{\"Query Text\": \"SELECT 'q'\", \"Plan\": {\"Filter\": \"(a = 'f')\"}}",
		"Duplicate entry 'v' for key 'k'; Query: 'INSERT INTO t VALUES ('w')', Error_code: 1062 0: len 4; hex 80000001; asc  ab;;",
	} {
		f.Add(s)
	}
	v, _ := newTest(f, func(c *Config) {
		c.PII.Types.IP = ActionRedact
		c.PII.Types.Email = ActionHash
		c.PII.HashKey = "fuzz-key-0123456789"
	})
	d := v.det
	f.Fuzz(func(t *testing.T, in string) {
		fs := d.scan(in, "", nil)
		out, _, _ := v.redact(in, "")

		// Nothing detected survives outside a marker (later rounds may
		// remove more, never add).
		var rest strings.Builder
		last := 0
		for _, x := range fs {
			rest.WriteString(in[last:x.start])
			rest.WriteByte(0)
			last = x.end
		}
		rest.WriteString(in[last:])
		residual := stripMarkers(out)
		for _, x := range fs {
			val := in[x.start:x.end]
			if !strings.ContainsRune(val, 0) && strings.Count(residual, val) > strings.Count(rest.String(), val) {
				t.Fatalf("detected %s %q still in output %q", x.typ, val, out)
			}
		}
		if again, changed, _ := v.redact(out, ""); changed || again != out {
			t.Fatalf("second pass changed %q to %q", out, again)
		}

		text1, _, _ := v.cleanString(in, "", false, 0, "")
		if text2, _, _ := v.cleanString(text1, "", false, 0, ""); text2 != text1 {
			t.Fatalf("text path not idempotent: %q -> %q -> %q", in, text1, text2)
		}

		sql1, _, _ := v.cleanString(in, "db.statement", true, 0, "")
		sql2, _, _ := v.cleanString(sql1, "db.statement", true, 0, "")
		if sql1 != sql2 {
			t.Fatalf("SQL path not idempotent: %q -> %q -> %q", in, sql1, sql2)
		}
	})
}

// TestPathologicalInputs runs large inputs shaped to hit quadratic paths
// (many markers and findings, '=' after runs of spaces, chains of '@' and
// '$' the SQL lexer re-reads); the package test timeout bounds them. They
// are not fuzz seeds: mutating 100 KB inputs would slow the fuzzer down.
func TestPathologicalInputs(t *testing.T) {
	v, _ := newTest(t, func(c *Config) { c.PII.Types.IP = ActionRedact })
	for _, s := range []string{
		strings.Repeat("[REDACTED:card] 4111111111111111 ", 2000),
		strings.Repeat("password =     ", 4000),
		strings.Repeat("a@b.co@", 8000),
		strings.Repeat("0@0$", 8000),
		strings.Repeat("(415) 555-2671 ", 4000),
	} {
		once, _, _ := v.cleanString(s, "db.statement", true, 0, "")
		twice, _, _ := v.cleanString(once, "db.statement", true, 0, "")
		if once != twice {
			t.Errorf("not idempotent on a %d-byte input", len(s))
		}
	}
}

// stripMarkers replaces the markers in s by a NUL byte.
func stripMarkers(s string) string {
	var b strings.Builder
	for {
		i, j := nextMarker(s)
		if i < 0 {
			break
		}
		b.WriteString(s[:i])
		b.WriteByte(0)
		s = s[j:]
	}
	b.WriteString(s)
	return b.String()
}

// nextMarker finds the next [REDACTED:…] or [HASHED:…] in s.
func nextMarker(s string) (int, int) {
	for off := 0; ; {
		k := strings.IndexByte(s[off:], '[')
		if k < 0 {
			return -1, -1
		}
		i := off + k
		if sqlmask.MarkerAt(s, i) {
			if e := strings.IndexByte(s[i:], ']'); e > 0 {
				return i, i + e + 1
			}
		}
		off = i + 1
	}
}
