package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestHelpExitsZero(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run([]string{"--help"}, &out, &errOut); code != 0 || !strings.Contains(out.String(), "-once") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out.String(), errOut.String())
	}
}

// A malformed DSN names the wrong part, never the password.
func TestMalformedDSNSaysWhichPart(t *testing.T) {
	const pw = "Hx7pQz2Wv"
	for dsn, want := range map[string]string{
		"mysql:mon:" + pw + "@tcp(db:3306)":                      "missing the slash",
		"postgres://mon:" + pw + "@db:54x2/postgres":             "invalid port",
		"postgres://mon:" + pw + "@db/postgres?sslmode=whatever": "sslmode is invalid",
		"postgresql//mon:" + pw + "@db/postgres":                 `needs "://"`,
	} {
		key, section := "DBINTEL_POSTGRES_DSN", "postgres.dsn"
		if d, ok := strings.CutPrefix(dsn, "mysql:"); ok {
			key, section, dsn = "DBINTEL_MYSQL_DSN", "mysql.dsn", d
		}
		t.Setenv(key, dsn)
		var out, errOut bytes.Buffer
		if code := run([]string{"--config", "../../deploy/scraper.yaml", "--validate"}, &out, &errOut); code != 1 {
			t.Fatalf("exit %d for a bad DSN", code)
		}
		msg := errOut.String()
		if !strings.Contains(msg, section) || !strings.Contains(msg, want) {
			t.Errorf("want %s and %q in:\n%s", section, want, msg)
		}
		if strings.Contains(msg, pw[:4]) || strings.Contains(out.String(), pw[:4]) {
			t.Errorf("password shown:\n%s", msg)
		}
	}
}
