package sqlmask

import (
	"strings"
	"testing"
	"unicode"
)

var pg = New("postgresql")

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
		got, op := pg.Obfuscate(tt.in)
		if got != tt.want || op != tt.op {
			t.Errorf("Obfuscate(%q)\n got %q op %q\nwant %q op %q", tt.in, got, op, tt.want, tt.op)
		}
	}
}

func TestMySQLDialect(t *testing.T) {
	got, _ := New("mariadb").Obfuscate("SELECT * FROM t WHERE name = \"bob\" AND `col` = 'x'")
	if strings.Contains(got, "bob") || strings.Contains(got, "'x'") {
		t.Fatalf("literal survived: %q", got)
	}
}

func TestMask(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"((relname = 'secret'::name) AND (relpages > 31337))", "((relname = ?::name) AND (relpages > ?))"},
		{"(email = [HASHED:email:0123456789abcdef]) AND n = 7", "(email = [HASHED:email:0123456789abcdef]) AND n = ?"},
		{"$1 = 'bob', $2 = '42'", "$1 = ?, $2 = ?"},
		{"o.status = $1", "o.status = $1"}, // nothing to mask: not lexed
	} {
		if got := pg.Mask(c.in); got != c.want {
			t.Errorf("Mask(%q) = %q, want %q", c.in, got, c.want)
		}
		if again := pg.Mask(c.want); again != c.want {
			t.Errorf("Mask not a fixed point on %q: %q", c.want, again)
		}
	}
}

// TestObfuscatedIsMaskFixedPoint: a text the scraper obfuscated passes the
// gateway's masker unchanged, so the gateway's check costs no second edit.
func TestObfuscatedIsMaskFixedPoint(t *testing.T) {
	for _, q := range []string{
		"SELECT * FROM tmp_48213 WHERE a = 'x' AND b IN (1,2) AND c = true",
		"UPDATE t SET v = $$body$$ WHERE id = 9",
		"SELECT `a` FROM t WHERE b = \"y\"",
	} {
		for _, o := range []*Obfuscator{pg, New("mysql")} {
			out, _ := o.Obfuscate(q)
			if m := o.Mask(out); m != out {
				t.Errorf("%q: obfuscated %q, masked again %q", q, out, m)
			}
		}
	}
}

// FuzzObfuscate: arbitrary input never panics; a literal placed in known
// literal positions never survives either entry point; Mask is idempotent.
func FuzzObfuscate(f *testing.F) {
	f.Add("SELECT * FROM t WHERE a = ", "hunter2secret")
	f.Add("UPDATE t SET x = 1 WHERE y IN (", "s3cr3tvalue")
	f.Add("/* c */ WITH q AS (SELECT 1) SELECT * FROM q WHERE z = ", "topsecret")
	f.Add("0--0 [REDACTED:email] $1 = '", "x'y")
	f.Fuzz(func(t *testing.T, prefix, secret string) {
		pg.Obfuscate(prefix + secret) // arbitrary text: must not panic
		m := pg.Mask(prefix + secret)
		if again := pg.Mask(m); again != m {
			t.Fatalf("Mask not idempotent: %q -> %q -> %q", prefix+secret, m, again)
		}
		if len(secret) < 6 || strings.IndexFunc(secret, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) >= 0 {
			return
		}
		for _, tmpl := range []string{"SELECT * FROM t WHERE a = '%s'", "SELECT * FROM t WHERE a = $$%s$$", "INSERT INTO t VALUES (E'%s', 1)", "SELECT 'x%s"} {
			q := strings.Replace(tmpl, "%s", secret, 1)
			if out, _ := pg.Obfuscate(q); strings.Contains(out, secret) {
				t.Fatalf("secret %q survived in %q -> %q", secret, q, out)
			}
			if out := pg.Mask(q); strings.Contains(out, secret) {
				t.Fatalf("secret %q survived Mask of %q -> %q", secret, q, out)
			}
		}
	})
}
