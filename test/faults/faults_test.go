// Package faults is the process-level fault-injection suite of issue 6
// ("Lose nothing"): the real gateway binary between a LogSender that tags
// every record with a unique id and a fault-injecting fake New Relic
// backend. Pass = exact set comparison: every id the gateway acknowledged
// reaches the backend, or is counted under a drop reason the backend forced.
//
// The phases (20 s steady state, 30 s outage) are shortened to a
// few seconds each so the package stays well under a minute or two on a
// loaded 2-core machine; the volumes are hundreds to a few thousand records.
// Waits for delivery are generous upper bounds, never timing assertions;
// the only timed assertions are lower bounds the gateway promises
// (Retry-After) or the shutdown deadline.
package faults

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dbintel/dbintel/test/fakebackend"
	"github.com/dbintel/dbintel/test/harness"
	"go.uber.org/goleak"
)

// TestMain checks that the senders, fake backends and process waiters are
// all gone at the end; idle keep-alive connections of http.Get (metrics
// and health polls) are not leaks.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		goleak.IgnoreTopFunction("net/http.(*persistConn).readLoop"),
		goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"))
}

// shutdownTimeout is the gateway's --shutdown-timeout in this suite.
const shutdownTimeout = 3 * time.Second

// deliveryTimeout bounds every wait for a backlog to drain: the gateway's
// backoff after an outage of a few seconds is at most a few seconds more.
const deliveryTimeout = 60 * time.Second

// startGateway runs the gateway binary with config (empty:
// deploy/gateway.yaml) and env, and waits until it is ready.
func startGateway(t *testing.T, env map[string]string, config string) *harness.Gateway {
	t.Helper()
	if config == "" {
		config = "deploy/gateway.yaml"
	}
	p := harness.Start(t, harness.Binary(t, "gateway"), env, "--config", config, "--shutdown-timeout", shutdownTimeout.String())
	g := &harness.Gateway{Proc: p, GRPC: env["DBINTEL_GRPC_ENDPOINT"], HTTP: env["DBINTEL_HTTP_ENDPOINT"],
		Metrics: "http://" + env["DBINTEL_METRICS_ENDPOINT"] + "/metrics", Health: "http://" + env["DBINTEL_HEALTH_ENDPOINT"]}
	waitReady(t, g, 30*time.Second)
	return g
}

// waitReady polls /readyz; a gateway that exits or hangs instead fails the
// test with its output (a goroutine dump if it hung).
func waitReady(t *testing.T, g *harness.Gateway, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		resp, err := http.Get(g.Health + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if g.Exited() {
			t.Fatalf("gateway exited during start:\n%s", g.Output())
		}
		if time.Now().After(deadline) {
			g.Dump()
			t.Fatalf("gateway not ready after %s (last error %v):\n%s", timeout, err, g.Output())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// gatewayEnv points a gateway at be over gRPC (or HTTP) with a license key,
// so it sends instead of writing the no-key file sink.
func gatewayEnv(t *testing.T, be *fakebackend.Backend, protocol string, extra map[string]string) map[string]string {
	env := map[string]string{
		"DBINTEL_FORWARD_ENDPOINT": be.GRPCAddr(),
		"DBINTEL_FORWARD_PROTOCOL": protocol,
		"NEW_RELIC_LICENSE_KEY":    "fault-suite-key",
		"DBINTEL_LOG_LEVEL":        "info",
		// deploy/gateway.yaml reads ${env:DBINTEL_PPROF_ENDPOINT:-127.0.0.1:1777},
		// so the harness's empty value still binds 1777 and parallel gateways
		// collide: give each its own port.
		"DBINTEL_PPROF_ENDPOINT": harness.FreeAddr(t),
	}
	if protocol == "http" {
		env["DBINTEL_FORWARD_ENDPOINT"] = be.HTTPURL()
	}
	for k, v := range extra {
		env[k] = v
	}
	return harness.GatewayEnv(t, env)
}

// writeConfig copies deploy/gateway.yaml into the test's temp dir with each
// (old, new) pair of lines replaced, for settings the environment does not
// reach (queue size, request size, backoff). Every old text must occur
// exactly once, so a changed example config fails loudly here.
func writeConfig(t *testing.T, replace ...string) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(harness.Root(), "deploy", "gateway.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(raw)
	for i := 0; i+1 < len(replace); i += 2 {
		if n := strings.Count(text, replace[i]); n != 1 {
			t.Fatalf("deploy/gateway.yaml: %q occurs %d times, want 1", replace[i], n)
		}
		text = strings.Replace(text, replace[i], replace[i+1], 1)
	}
	path := filepath.Join(t.TempDir(), "gateway.yaml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// fastRetry caps the gateway's backoff at 2 s (default 30 s) so a backlog
// drains within seconds of the backend's return in the shortened phases.
var fastRetry = []string{"max_interval: 30s", "max_interval: 2s"}

// waitDelivered waits until every acknowledged id has reached be (or
// timeout passes) and returns the comparison.
func waitDelivered(t *testing.T, be *fakebackend.Backend, acked map[int64]struct{}, timeout time.Duration) harness.Delivery {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		d := harness.CompareDelivery(acked, harness.LogIDs(be.Logs()))
		if len(d.Lost) == 0 || time.Now().After(deadline) {
			return d
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// requireNoLoss fails t if any acknowledged id is missing and logs the
// duplicates.
func requireNoLoss(t *testing.T, d harness.Delivery) {
	t.Helper()
	t.Logf("delivery: %s", d)
	if d.Acked == 0 {
		t.Fatal("nothing was acknowledged: the test sent no load")
	}
	if len(d.Lost) > 0 {
		t.Errorf("%d acknowledged ids never reached the backend", len(d.Lost))
	}
}

// checkBalance asserts the gateway's self-metric equations once it is
// quiet: received = accepted + refused at the receiver; accepted = stage
// drops + enqueued (minus what was recovered from disk); enqueued = sent +
// dropped + queued in the forwarder.
func checkBalance(t *testing.T, g *harness.Gateway) harness.Metrics {
	t.Helper()
	m := harness.ScrapeMetrics(t, g.Metrics)
	received := m.Sum("dbintel_receiver_items_received_total")
	accepted := m.Sum("dbintel_receiver_items_accepted_total")
	refused := m.Sum("dbintel_receiver_items_refused_total")
	stageDropped := m.Sum("dbintel_pipeline_stage_items_dropped_total")
	enqueued := m.Sum("dbintel_forward_items_enqueued_total")
	recovered := m.Sum("dbintel_forward_items_recovered_total")
	sent := m.Sum("dbintel_forward_items_sent_total")
	dropped := m.Sum("dbintel_forward_items_dropped_total")
	queued := m.Sum("dbintel_forward_queue_items")
	t.Logf("self-metrics: received %v accepted %v refused %v stage-dropped %v enqueued %v (recovered %v) sent %v dropped %v queued %v",
		received, accepted, refused, stageDropped, enqueued, recovered, sent, dropped, queued)
	if received != accepted+refused {
		t.Errorf("receiver balance: received %v != accepted %v + refused %v", received, accepted, refused)
	}
	if accepted != stageDropped+enqueued-recovered {
		t.Errorf("pipeline balance: accepted %v != stage drops %v + enqueued %v - recovered %v", accepted, stageDropped, enqueued, recovered)
	}
	if enqueued != sent+dropped+queued {
		t.Errorf("forward balance: enqueued %v != sent %v + dropped %v + queued %v", enqueued, sent, dropped, queued)
	}
	return m
}

// phase lasts at least d and until cond holds (failing t after
// deliveryTimeout): phases are short, but on a slow machine never so short
// that the fault they stage did not happen.
func phase(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	start := time.Now()
	time.Sleep(d)
	for !cond() {
		if time.Since(start) > deliveryTimeout {
			t.Fatalf("phase %q: condition not reached after %s", what, deliveryTimeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// ackedAtLeast is a phase condition: s has n acknowledged ids or more.
func ackedAtLeast(s *harness.LogSender, n int) func() bool {
	return func() bool { return len(s.Acked()) >= n }
}

// queuedAtLeast is a phase condition: the gateway's forward queue holds n
// items or more.
func queuedAtLeast(t *testing.T, g *harness.Gateway, n float64) func() bool {
	return func() bool { return harness.ScrapeMetrics(t, g.Metrics).Sum("dbintel_forward_queue_items") >= n }
}
