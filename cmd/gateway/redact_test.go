package main

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dbintel/dbintel/internal/config"
)

const urlPassword = "Pw0rdInTheURL"

// buildGateway builds this binary into a temporary directory.
func buildGateway(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "gateway")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func writeConfig(t *testing.T, yml string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "gateway.yaml")
	if err := os.WriteFile(path, []byte(yml), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// credsConfig forwards over HTTP to an endpoint with a password in its URL,
// primary and fan-out alike; every listener is on a free loopback port.
const credsConfig = `
receiver:
  grpc: {endpoint: "127.0.0.1:0"}
  http: {endpoint: "127.0.0.1:0"}
forward:
  protocol: http
  endpoint: https://alice:` + urlPassword + `@127.0.0.1:1
  headers: {api-key: k}
also_forward:
  - name: second
    protocol: http
    endpoint: https://bob:` + urlPassword + `@127.0.0.1:2/base
telemetry: {metrics_endpoint: "127.0.0.1:0", health_endpoint: "127.0.0.1:0", pprof_endpoint: "", status_endpoint: ""}
`

func TestURLCredentialsNeverPrinted(t *testing.T) {
	bin := buildGateway(t)
	good := writeConfig(t, credsConfig)

	t.Run("validate", func(t *testing.T) {
		out, err := exec.Command(bin, "--config", good, "--validate").CombinedOutput()
		if err != nil {
			t.Fatalf("--validate: %v\n%s", err, out)
		}
		checkRedacted(t, string(out), 2)
	})

	t.Run("validate errors", func(t *testing.T) {
		bad := writeConfig(t, strings.Replace(credsConfig, "protocol: http\n  endpoint", "protocol: grpc\n  endpoint", 1))
		out, err := exec.Command(bin, "--config", bad, "--validate").CombinedOutput()
		if err == nil {
			t.Fatalf("a URL endpoint for grpc must be invalid:\n%s", out)
		}
		checkRedacted(t, string(out), 1)
	})

	t.Run("start-up log", func(t *testing.T) {
		cmd := exec.Command(bin, "--config", good, "--shutdown-timeout", "2s")
		stderr, err := cmd.StderrPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
		var log bytes.Buffer
		started, copied := make(chan struct{}), make(chan struct{})
		go func() {
			defer close(copied)
			sc := bufio.NewScanner(io.TeeReader(stderr, &log))
			for sc.Scan() {
				if strings.Contains(sc.Text(), "gateway started") {
					close(started)
					break
				}
			}
			_, _ = io.Copy(&log, stderr)
		}()
		select {
		case <-started:
		case <-time.After(30 * time.Second): // guard against a hang, not an assertion
			t.Fatalf("gateway did not start:\n%s", log.String())
		}
		_ = cmd.Process.Signal(syscall.SIGTERM)
		<-copied // the log is complete (and no longer written) at EOF
		_ = cmd.Wait()
		checkRedacted(t, log.String(), 2)
	})
}

// checkRedacted fails if out shows the password or fewer than want
// redacted endpoints.
func checkRedacted(t *testing.T, out string, want int) {
	t.Helper()
	if strings.Contains(out, urlPassword) || strings.Contains(out, "alice") || strings.Contains(out, "bob:") {
		t.Errorf("URL credentials printed:\n%s", out)
	}
	if got := strings.Count(out, "[REDACTED]@127.0.0.1"); got < want {
		t.Errorf("%d redacted endpoints shown, want %d:\n%s", got, want, out)
	}
}

// TestSecretNotEchoedByTypeErrors is the reported case: an inbound API key
// written as a scalar where the gateway expects a list.
func TestSecretNotEchoedByTypeErrors(t *testing.T) {
	const key = "nrak-SECRETLICENSEVALUE"
	for _, yml := range []string{
		"receiver:\n  auth:\n    api_keys: ${env:KEY}\n",
		"receiver:\n  auth:\n    bearer_tokens: {a: \"${env:KEY}\"}\n",
		"forward:\n  headers: ${env:KEY}\n",
		"forward:\n  timeout: ${env:KEY}\n",
		"pipeline:\n  verify:\n    pii:\n      hash_key: [\"${env:KEY}\"]\n",
	} {
		cfg := defaultConfig()
		err := config.Parse([]byte(yml), env(map[string]string{"KEY": key}), &cfg)
		if err == nil {
			t.Fatalf("%q: want an error", yml)
		}
		for i := 0; i+5 <= len(key); i++ {
			if strings.Contains(err.Error(), key[i:i+5]) {
				t.Fatalf("%q: error shows %q of the key: %v", yml, key[i:i+5], err)
			}
		}
		if !strings.Contains(err.Error(), "line ") {
			t.Errorf("%q: error does not name the line: %v", yml, err)
		}
	}
}
