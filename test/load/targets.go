package load

import (
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dbintel/dbintel/test/fakebackend"
	"github.com/dbintel/dbintel/test/harness"
)

// target is what the generator sends to; pid 0 is the sink itself (no
// process of its own to measure).
type target struct {
	grpc, http string
	pid        int
	pprof      string // base URL of the gateway's pprof, "" if none
	stop       func()
}

// startTarget starts a scenario: direct, floor, default or collector.
// "default:zstd:http" is the default config forwarding with zstd over
// OTLP/HTTP (either part may be left out), so one invocation compares them.
func startTarget(t *testing.T, k knobs, scenario, collector string, sink *fakebackend.Backend) target {
	t.Helper()
	bin := os.Getenv("DBINTEL_LOAD_GATEWAY") // a prebuilt gateway instead of this tree's
	if bin == "" && scenario != "direct" && scenario != "collector" {
		bin = harness.Binary(t, "gateway")
	}
	if rest, ok := strings.CutPrefix(scenario, "base/"); ok {
		// The same scenario with another gateway build (before a change),
		// interleaved in one invocation so machine load affects both alike.
		if bin = os.Getenv("DBINTEL_LOAD_BASE_GATEWAY"); bin == "" {
			t.Fatal("a base/ scenario needs DBINTEL_LOAD_BASE_GATEWAY, the path of a gateway binary")
		}
		scenario = rest
	}
	scenario, variant, _ := strings.Cut(scenario, ":")
	if path, ok := strings.CutPrefix(scenario, "config="); ok {
		scenario, variant = "config", path
	}
	if c, f, _ := strings.Cut(variant, ":"); variant != "" && scenario != "config" {
		if c != "" {
			k.compression = c
		}
		if f != "" {
			k.forward = f
		}
	}
	switch scenario {
	case "direct":
		return target{grpc: sink.GRPCAddr(), http: strings.TrimPrefix(sink.HTTPURL(), "http://"), stop: func() {}}
	case "floor":
		return startGateway(t, k, bin, sink, withCompression(t, k, filepath.Join(harness.Root(), "test", "load", "testdata", "gateway-floor.yaml")))
	case "config":
		// config=PATH: any gateway config, e.g. a queue bound under trial.
		return startGateway(t, k, bin, sink, withCompression(t, k, variant))
	case "default", "steady":
		return startGateway(t, k, bin, sink, withCompression(t, k, filepath.Join(harness.Root(), "deploy", "gateway.yaml")))
	case "durable":
		// deploy/gateway.yaml with its queue on disk (fsync: batch).
		k.queueDir = t.TempDir()
		return startGateway(t, k, bin, sink, withCompression(t, k, filepath.Join(harness.Root(), "deploy", "gateway.yaml")))
	case "collector":
		grpcAddr, httpAddr := harness.FreeAddr(t), harness.FreeAddr(t)
		p := harness.Start(t, collector, map[string]string{
			"LOAD_GRPC_ENDPOINT":    grpcAddr,
			"LOAD_HTTP_ENDPOINT":    httpAddr,
			"LOAD_FORWARD_ENDPOINT": sink.GRPCAddr(),
		}, "--config", filepath.Join(harness.Root(), "test", "load", "testdata", "otelcol.yaml"))
		waitTCP(t, grpcAddr, 30*time.Second)
		waitTCP(t, httpAddr, 30*time.Second)
		return target{grpc: grpcAddr, http: httpAddr, pid: p.Pid(), stop: func() { _ = p.Stop(10 * time.Second) }}
	}
	t.Fatalf("unknown scenario %q (direct, floor, default, durable, steady, collector)", scenario)
	return target{}
}

func startGateway(t *testing.T, k knobs, bin string, sink *fakebackend.Backend, config string) target {
	t.Helper()
	fwd := sink.GRPCAddr()
	if k.forward == "http" {
		fwd = sink.HTTPURL()
	}
	// A port taken between FreeAddr and the gateway's listen (other tests
	// share the machine) fails the start: try again on fresh ports.
	for attempt := 1; ; attempt++ {
		env := harness.GatewayEnv(t, map[string]string{
			"DBINTEL_FORWARD_ENDPOINT": fwd,
			"DBINTEL_FORWARD_PROTOCOL": k.forward,
			"NEW_RELIC_LICENSE_KEY":    "load-test-key",
			"DBINTEL_LOG_LEVEL":        "warn",
			"DBINTEL_QUEUE_DIR":        k.queueDir,
		})
		p := harness.Start(t, bin, env, "--config", config, "--shutdown-timeout", "15s")
		if ready(p, "http://"+env["DBINTEL_HEALTH_ENDPOINT"]+"/readyz", 30*time.Second) {
			return target{grpc: env["DBINTEL_GRPC_ENDPOINT"], http: env["DBINTEL_HTTP_ENDPOINT"], pid: p.Pid(),
				pprof: "http://" + env["DBINTEL_PPROF_ENDPOINT"],
				stop: func() {
					if err := p.Stop(20 * time.Second); err != nil {
						t.Errorf("gateway stop: %v", err)
					}
				}}
		}
		p.Kill()
		if attempt == 3 {
			t.Fatalf("gateway did not become ready in 3 attempts; last output:\n%s", p.Output())
		}
	}
}

// ready polls url until it answers 200, the process exits, or timeout.
func ready(p *harness.Proc, url string, timeout time.Duration) bool {
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline) && !p.Exited(); time.Sleep(50 * time.Millisecond) {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return true
			}
		}
	}
	return false
}

// withCompression is the config file at path, unchanged unless a variant or
// DBINTEL_LOAD_COMPRESSION asks for another forward compression.
func withCompression(t *testing.T, k knobs, path string) string {
	t.Helper()
	if k.compression == "" {
		return path
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	const key = "\n  compression: "
	i := strings.Index(string(b), key)
	if i < 0 {
		t.Fatalf("%s: no forward compression key", path)
	}
	end := i + len(key) + strings.IndexByte(string(b[i+len(key):]), '\n')
	out := string(b[:i+len(key)]) + k.compression + string(b[end:])
	p := filepath.Join(t.TempDir(), "gateway.yaml")
	if err := os.WriteFile(p, []byte(out), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// waitTCP waits until addr accepts connections.
func waitTCP(t *testing.T, addr string, timeout time.Duration) {
	t.Helper()
	for deadline := time.Now().Add(timeout); ; time.Sleep(50 * time.Millisecond) {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not listening after %s: %v", addr, timeout, err)
		}
	}
}
