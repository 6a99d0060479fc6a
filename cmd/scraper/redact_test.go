package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestValidateRedactsGatewayCredentials: --validate prints the gateways
// with their userinfo redacted, and a problem naming one does too.
func TestValidateRedactsGatewayCredentials(t *testing.T) {
	const pw = "GwPassw0rd"
	for _, tc := range []struct {
		name, gateways string
		code           int
	}{
		{"valid", `["https://alice:` + pw + `@gw1:4318", "https://gw2:4318"]`, 0},
		{"listed twice", `["https://alice:` + pw + `@gw1:4318", "https://alice:` + pw + `@gw1:4318"]`, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "scraper.yaml")
			yml := "postgres: {dsn: \"postgres://u:dsnpw@127.0.0.1:5432/x\"}\nforward: {protocol: http, endpoint: \"https://gw1:4318\", insecure: false}\ngateways: " + tc.gateways + "\n"
			if err := os.WriteFile(path, []byte(yml), 0o600); err != nil {
				t.Fatal(err)
			}
			var stdout, stderr bytes.Buffer
			if code := run([]string{"--config", path, "--validate"}, &stdout, &stderr); code != tc.code {
				t.Fatalf("exit %d, want %d:\n%s%s", code, tc.code, stdout.String(), stderr.String())
			}
			out := stdout.String() + stderr.String()
			if strings.Contains(out, pw) || strings.Contains(out, "dsnpw") || !strings.Contains(out, "https://[REDACTED]@gw1:4318") {
				t.Errorf("output:\n%s", out)
			}
		})
	}
}
