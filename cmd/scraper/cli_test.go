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
		"postgres://mon:" + pw + "@db:54x2/postgres":             "invalid port",
		"postgres://mon:" + pw + "@db/postgres?sslmode=whatever": "sslmode is invalid",
		"postgresql//mon:" + pw + "@db/postgres":                 `needs "://"`,
	} {
		t.Setenv("DBINTEL_POSTGRES_DSN", dsn)
		var out, errOut bytes.Buffer
		if code := run([]string{"--config", "../../deploy/scraper.yaml", "--validate"}, &out, &errOut); code != 1 {
			t.Fatalf("exit %d for a bad DSN", code)
		}
		msg := errOut.String()
		if !strings.Contains(msg, "postgres.dsn") || !strings.Contains(msg, want) {
			t.Errorf("want postgres.dsn and %q in:\n%s", want, msg)
		}
		if strings.Contains(msg, pw[:4]) || strings.Contains(out.String(), pw[:4]) {
			t.Errorf("password shown:\n%s", msg)
		}
	}
}
