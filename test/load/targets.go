package load

import (
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

func startTarget(t *testing.T, k knobs, scenario, collector string, sink *fakebackend.Backend) target {
	t.Helper()
	switch scenario {
	case "direct":
		return target{grpc: sink.GRPCAddr(), http: strings.TrimPrefix(sink.HTTPURL(), "http://"), stop: func() {}}
	case "floor":
		return startGateway(t, k, sink, filepath.Join(harness.Root(), "test", "load", "testdata", "gateway-floor.yaml"))
	case "default":
		return startGateway(t, k, sink, defaultConfig(t, k))
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
	t.Fatalf("unknown scenario %q (direct, floor, default, collector)", scenario)
	return target{}
}

func startGateway(t *testing.T, k knobs, sink *fakebackend.Backend, config string) target {
	t.Helper()
	fwd := sink.GRPCAddr()
	if k.forward == "http" {
		fwd = sink.HTTPURL()
	}
	env := harness.GatewayEnv(t, map[string]string{
		"DBINTEL_FORWARD_ENDPOINT": fwd,
		"DBINTEL_FORWARD_PROTOCOL": k.forward,
		"NEW_RELIC_LICENSE_KEY":    "load-test-key",
		"DBINTEL_LOG_LEVEL":        "warn",
	})
	g := harness.StartGateway(t, env, config)
	return target{grpc: g.GRPC, http: g.HTTP, pid: g.Pid(), pprof: "http://" + env["DBINTEL_PPROF_ENDPOINT"],
		stop: func() {
			if err := g.Stop(15 * time.Second); err != nil {
				t.Errorf("gateway stop: %v", err)
			}
		}}
}

// defaultConfig is deploy/gateway.yaml, unchanged unless
// DBINTEL_LOAD_COMPRESSION asks for another forward compression.
func defaultConfig(t *testing.T, k knobs) string {
	t.Helper()
	path := filepath.Join(harness.Root(), "deploy", "gateway.yaml")
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
