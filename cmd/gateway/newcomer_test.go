package main

import (
	"context"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestNewcomerWithoutKeyAsNobody is the newcomer's first hour: the gateway
// built from this tree, deploy/gateway.yaml unchanged, no license key, run
// as an unprivileged user from a directory it cannot write. --validate must
// say which key, which line and what to do, and a start must stop with the
// same message instead of crashing once it tries to write the sink.
func TestNewcomerWithoutKeyAsNobody(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to run the gateway as nobody")
	}
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		t.Skip("setpriv not installed")
	}
	if _, err := user.Lookup("nobody"); err != nil {
		t.Skip("no user nobody")
	}
	dir, err := os.MkdirTemp("", "dbintel-newcomer-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "gateway")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	yml, err := os.ReadFile("../../deploy/gateway.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "gateway.yaml")
	if err := os.WriteFile(cfg, yml, 0o644); err != nil {
		t.Fatal(err)
	}
	sinkLine := 0
	for i, l := range strings.Split(string(yml), "\n") {
		if strings.HasPrefix(l, "no_key_sink_file:") {
			sinkLine = i + 1
		}
	}

	asNobody := func(extraEnv []string, args ...string) (int, string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, setpriv, append([]string{"--reuid=nobody", "--regid=nogroup", "--clear-groups", "--", bin}, args...)...)
		cmd.Dir = "/"
		// Never the product's ports, should it start after all.
		cmd.Env = append([]string{"PATH=/usr/bin:/bin", "DBINTEL_GRPC_ENDPOINT=127.0.0.1:0", "DBINTEL_HTTP_ENDPOINT=127.0.0.1:0",
			"DBINTEL_METRICS_ENDPOINT=", "DBINTEL_HEALTH_ENDPOINT=127.0.0.1:0", "DBINTEL_STATUS_ENDPOINT=", "DBINTEL_PPROF_ENDPOINT="}, extraEnv...)
		out, err := cmd.CombinedOutput()
		if ctx.Err() != nil {
			t.Fatalf("%v did not stop: %s", args, out)
		}
		code := 0
		if err != nil {
			ee, ok := err.(*exec.ExitError)
			if !ok {
				t.Fatalf("%v: %v", args, err)
			}
			code = ee.ExitCode()
		}
		return code, string(out)
	}

	if code, out := asNobody(nil, "--help"); code != 0 {
		t.Fatalf("--help exit %d: %s", code, out)
	}
	want := []string{"no_key_sink_file: line " + strconv.Itoa(sinkLine) + ":", "dbintel-sink.jsonl (in the working directory /)", "permission denied", "DBINTEL_SINK_FILE"}
	for _, args := range [][]string{{"--config", cfg, "--validate"}, {"--config", cfg}} {
		code, out := asNobody(nil, args...)
		if code != 1 {
			t.Fatalf("%v: exit %d, want 1:\n%s", args, code, out)
		}
		for _, w := range want {
			if !strings.Contains(out, w) {
				t.Errorf("%v: output lacks %q:\n%s", args, w, out)
			}
		}
		if strings.Contains(out, "panic") || strings.Contains(out, "gateway started") {
			t.Errorf("%v: started or crashed:\n%s", args, out)
		}
	}

	// The fix the message names works: a writable sink path.
	state := filepath.Join(dir, "state")
	if err := os.Mkdir(state, 0o700); err != nil {
		t.Fatal(err)
	}
	nobody, _ := user.Lookup("nobody")
	if err := os.Chown(state, atoi(t, nobody.Uid), atoi(t, nobody.Gid)); err != nil {
		t.Fatal(err)
	}
	if code, out := asNobody([]string{"DBINTEL_SINK_FILE=" + filepath.Join(state, "sink.jsonl")}, "--config", cfg, "--validate"); code != 0 {
		t.Fatalf("with a writable sink: exit %d:\n%s", code, out)
	}
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
