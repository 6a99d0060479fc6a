package sqlobfuscate

import (
	"strings"
	"testing"
	"unicode"
)

func TestObfuscate(t *testing.T) {
	tests := []struct {
		in, want, op string
	}{
		{"SELECT * FROM users WHERE email = 'alice@example.com' AND id = 42", "SELECT * FROM users WHERE email = ? AND id = ?", "SELECT"},
		{"/* app:checkout */ SELECT name FROM t WHERE x IN (1, 2, 3) -- trailing", "SELECT name FROM t WHERE x IN ( ? )", "SELECT"},
		{"UPDATE accounts SET balance = 100.50 WHERE iban = E'DE89370400440532013000'", "UPDATE accounts SET balance = ? WHERE iban = E ?", "UPDATE"},
		{"SELECT $1, $2 FROM pg_class WHERE relname = $3", "SELECT $1, $2 FROM pg_class WHERE relname = $3", "SELECT"},
		{"SELECT $$secret dollar$$", "SELECT ?", "SELECT"},
		{"SELECT * FROM t WHERE flag = true AND note = 'unterminated", "SELECT * FROM t WHERE flag = ? AND note = ?", "SELECT"},
		{"INSERT INTO t (a, b) VALUES ('x', 1)", "INSERT INTO t ( a, b ) VALUES ( ? )", "INSERT"},
	}
	for _, tt := range tests {
		got, op := postgres.Obfuscate(tt.in)
		if got != tt.want || op != tt.op {
			t.Errorf("Obfuscate(%q)\n got %q op %q\nwant %q op %q", tt.in, got, op, tt.want, tt.op)
		}
	}
}

func TestMySQLDialect(t *testing.T) {
	got, _ := New("mysql").Obfuscate("SELECT * FROM t WHERE name = \"bob\" AND `col` = 'x'")
	if strings.Contains(got, "bob") || strings.Contains(got, "'x'") {
		t.Fatalf("literal survived: %q", got)
	}
}

// FuzzObfuscate: arbitrary input never panics; a literal placed in known
// literal positions never survives.
func FuzzObfuscate(f *testing.F) {
	f.Add("SELECT * FROM t WHERE a = ", "hunter2secret")
	f.Add("UPDATE t SET x = 1 WHERE y IN (", "s3cr3tvalue")
	f.Add("/* c */ WITH q AS (SELECT 1) SELECT * FROM q WHERE z = ", "topsecret")
	f.Fuzz(func(t *testing.T, prefix, secret string) {
		Obfuscate(prefix + secret) // arbitrary text: must not panic
		if len(secret) < 6 || strings.IndexFunc(secret, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) >= 0 {
			return
		}
		for _, tmpl := range []string{"SELECT * FROM t WHERE a = '%s'", "SELECT * FROM t WHERE a = $$%s$$", "INSERT INTO t VALUES (E'%s', 1)", "SELECT 'x%s"} {
			q := strings.Replace(tmpl, "%s", secret, 1)
			if out := Obfuscate(q); strings.Contains(out, secret) {
				t.Fatalf("secret %q survived in %q -> %q", secret, q, out)
			}
		}
	})
}

func TestMask(t *testing.T) {
	got := postgres.Mask("((relname = 'secret'::name) AND (relpages > 31337))")
	if want := "((relname = ?::name) AND (relpages > ?))"; got != want {
		t.Fatalf("Mask = %q, want %q", got, want)
	}
}
