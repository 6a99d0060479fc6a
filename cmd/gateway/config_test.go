package main

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/dbintel/dbintel/internal/config"
	"github.com/prometheus/client_golang/prometheus"
)

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestDeployConfigLoadsAndFallsBackToTheSink(t *testing.T) {
	data, err := os.ReadFile("../../deploy/gateway.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg := defaultConfig()
	if err := config.Parse(data, env(map[string]string{"DBINTEL_SINK_FILE": "/tmp/x.jsonl"}), &cfg); err != nil {
		t.Fatal(err)
	}
	if !cfg.resolveSink() || cfg.Forward.Sink.File != "/tmp/x.jsonl" {
		t.Fatalf("without a license key the sink must be used, got %q", cfg.Forward.Sink.File)
	}
	cfg = defaultConfig()
	if err := config.Parse(data, env(map[string]string{"NEW_RELIC_LICENSE_KEY": "k"}), &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.resolveSink() || cfg.Forward.Headers["api-key"].Value() != "k" {
		t.Fatal("with a license key the backend must be used")
	}
}

func TestAlsoForwardBuildsAFanout(t *testing.T) {
	yml := `
forward: {endpoint: "127.0.0.1:1", insecure: true}
also_forward:
  - {name: second, endpoint: "127.0.0.1:2", insecure: true}
`
	cfg := defaultConfig()
	if err := config.Parse([]byte(yml), env(nil), &cfg); err != nil {
		t.Fatal(err)
	}
	exp, err := newExporter(cfg, prometheus.NewRegistry(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer exp.Shutdown(t.Context())
	if got := strings.TrimPrefix(typeName(exp), "*forward."); got != "Fanout" {
		t.Fatalf("exporter is %s, want a Fanout", got)
	}

	bad := defaultConfig()
	err = config.Parse([]byte("also_forward: [{name: x, protocol: carrier-pigeon}]\n"), env(nil), &bad)
	if err == nil || !strings.Contains(err.Error(), "also_forward") {
		t.Fatalf("a bad extra backend must be reported under also_forward, got %v", err)
	}
}

func TestValidateFlagPrintsRedactedConfig(t *testing.T) {
	path := t.TempDir() + "/g.yaml"
	if err := os.WriteFile(path, []byte("forward:\n  headers: {api-key: super-secret-key}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if code := run([]string{"--config", path, "--validate"}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if strings.Contains(out.String(), "super-secret-key") || !strings.Contains(out.String(), "[REDACTED]") {
		t.Fatalf("secret not redacted:\n%s", out.String())
	}
	if err := os.WriteFile(path, []byte("receiver: {grpc: {endpoint: nope}}\nforward: {timeout: 0s}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	errOut.Reset()
	if code := run([]string{"--config", path, "--validate"}, &out, &errOut); code != 1 {
		t.Fatalf("exit %d for a bad config", code)
	}
	for _, want := range []string{"receiver.grpc.endpoint", "forward.timeout"} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("problems lack %s:\n%s", want, errOut.String())
		}
	}
}

func typeName(v any) string { return strings.TrimSpace(fmtType(v)) }
