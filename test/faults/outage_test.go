package faults

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dbintel/dbintel/test/fakebackend"
	"github.com/dbintel/dbintel/test/harness"
)

// load runs s in the background until the returned stop is called; stop
// waits for the senders to finish their current attempt.
func load(s *harness.LogSender, workers, batch int) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); s.Run(ctx, workers, batch, 50*time.Millisecond) }()
	return func() { cancel(); <-done }
}

// TestBackendDown: the backend refuses connections for a while under load
// (issue: 30 s; here 4 s), then returns: nothing acknowledged is lost and
// the backlog drains. deploy/gateway.yaml as shipped (in-memory queue,
// default backoff).
func TestBackendDown(t *testing.T) {
	t.Parallel()
	be := fakebackend.Start(t)
	g := startGateway(t, gatewayEnv(t, be, "grpc", nil), "")
	s := harness.NewLogSender(t, g.GRPC)

	stop := load(s, 2, 20)
	phase(t, time.Second, "up", ackedAtLeast(s, 100))
	be.SetDown(true)
	phase(t, 4*time.Second, "down", queuedAtLeast(t, g, 500))
	queued := harness.ScrapeMetrics(t, g.Metrics).Sum("dbintel_forward_queue_items")
	be.SetDown(false)
	phase(t, time.Second, "up again", ackedAtLeast(s, len(s.Acked())+100))
	stop()
	t.Logf("sender: %s; queued at the end of the outage: %v", s.Stats(), queued)
	if queued == 0 {
		t.Error("nothing was queued during the outage: the backend was not really down")
	}

	requireNoLoss(t, waitDelivered(t, be, s.Acked(), deliveryTimeout))
	waitQueueEmpty(t, g)
	checkBalance(t, g)
}

// TestKill: with the durable queue, kill -9 the gateway while senders are
// busy, restart it on the same queue directory: every acknowledged id
// arrives; duplicates are bounded by the batches in flight at the kill.
// "outage" kills while the backend is down (fsync before every
// acknowledgement, or every 100 ms: both are kill -9 safe, the page cache
// survives the process); "in flight" kills while requests to a slow backend
// are under way, which is where duplicates come from.
func TestKill(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, fsync string
		outage      bool
		kills       int
	}{
		{"outage", "batch", true, 1},
		{"outage fsync 100ms", "100ms", true, 1},
		{"in flight", "batch", false, 1},
		{"in flight killed twice", "batch", false, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			be := fakebackend.Start(t)
			env := gatewayEnv(t, be, "grpc", map[string]string{"DBINTEL_QUEUE_DIR": t.TempDir()})
			config := writeConfig(t, append([]string{"fsync: batch", "fsync: " + tc.fsync}, fastRetry...)...)
			g := startGateway(t, env, config)
			s := harness.NewLogSender(t, g.GRPC)

			const senders = 2
			stop := load(s, senders, 20)
			phase(t, time.Second, "up", ackedAtLeast(s, 100))
			if tc.outage {
				be.SetDown(true)
				phase(t, 2*time.Second, "down", queuedAtLeast(t, g, 300))
			} else {
				be.SetDelay(300 * time.Millisecond)
				phase(t, time.Second, "slow backend", ackedAtLeast(s, len(s.Acked())+200))
			}
			queuedAtKill, workers := harness.ScrapeMetrics(t, g.Metrics).Sum("dbintel_forward_queue_items"), 4
			var ackedAtKill int
			var recovered float64
			for range tc.kills {
				// A second kill lands while the restarted gateway resends
				// its recovered backlog.
				g.Kill()
				ackedAtKill = len(s.Acked())
				// The senders keep retrying against the dead address meanwhile.
				time.Sleep(500 * time.Millisecond)
				g = startGateway(t, env, config)
				recovered = harness.ScrapeMetrics(t, g.Metrics).Sum("dbintel_forward_items_recovered_total")
				phase(t, time.Second, "restarted", ackedAtLeast(s, len(s.Acked())+100))
			}
			if tc.outage {
				be.SetDown(false)
			}
			be.SetDelay(0)
			time.Sleep(time.Second)
			stop()
			t.Logf("sender: %s; queued at the kill %v, acknowledged at the kill %d, recovered after restart %v", s.Stats(), queuedAtKill, ackedAtKill, recovered)
			// With the backend down nothing leaves the queue between the
			// scrape and the kill.
			if tc.outage && recovered < queuedAtKill {
				t.Errorf("recovered %v items from disk, but %v were queued just before the kill", recovered, queuedAtKill)
			}

			d := waitDelivered(t, be, s.Acked(), deliveryTimeout)
			requireNoLoss(t, d)
			// At-least-once allows what was in flight at the kill to arrive
			// twice: a request per forward worker (the backend kept it, the
			// answer was lost) and per sender (queued on disk, the answer was
			// lost, the sender retried).
			if limit := tc.kills * (workers + senders) * maxRequestItems(be); d.Duplicates > limit {
				t.Errorf("%d duplicates, more than %d kills x (%d workers + %d senders) x the largest request (%d items)",
					d.Duplicates, tc.kills, workers, senders, maxRequestItems(be))
			}
			waitQueueEmpty(t, g)
			checkBalance(t, g)
		})
	}
}

// TestSigterm: SIGTERM while the backend cannot take the data exits within
// the shutdown deadline. With the durable queue the data stays on disk and
// a restart delivers it: whether the backend is down, or so slow that
// requests are in flight at the deadline (they are cut and resent, so
// duplicates are bounded by the workers). With the in-memory queue the
// loss is reported, never silent.
func TestSigterm(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name          string
		durable, slow bool
	}{
		{"backend down", true, false},
		{"requests in flight", true, true},
		{"backend down in memory", false, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			be := fakebackend.Start(t)
			dir := t.TempDir()
			extra := map[string]string{}
			if tc.durable {
				extra["DBINTEL_QUEUE_DIR"] = dir
			}
			env := gatewayEnv(t, be, "grpc", extra)
			config := writeConfig(t, fastRetry...)
			g := startGateway(t, env, config)
			if tc.slow {
				// Far beyond the shutdown deadline, within the attempt timeout.
				be.SetDelay(20 * time.Second)
			} else {
				be.SetDown(true)
			}
			s := harness.NewLogSender(t, g.GRPC)
			stop := load(s, 2, 50)
			phase(t, 2*time.Second, "backend unable", ackedAtLeast(s, 300))
			stop()
			acked := s.Acked()

			start := time.Now()
			// The deadline is --shutdown-timeout; two seconds more cover the
			// process exit on a loaded machine.
			if err := g.Stop(shutdownTimeout + 2*time.Second); err != nil && !strings.Contains(err.Error(), "exit status") {
				t.Errorf("stop: %v", err)
			}
			t.Logf("sender: %s; exit %s after SIGTERM (deadline %s)", s.Stats(), time.Since(start), shutdownTimeout)
			if !tc.durable {
				if !strings.Contains(g.Output(), "it is lost") {
					t.Errorf("in-memory data lost at shutdown without the Error log saying so")
				}
				return
			}
			if n := diskBytes(t, dir); n == 0 {
				t.Errorf("queue dir %s holds no segment data after a stop with %d unsent records", dir, len(acked))
			}

			if tc.slow {
				be.SetDelay(0)
			} else {
				be.SetDown(false)
			}
			g = startGateway(t, env, config)
			d := waitDelivered(t, be, acked, deliveryTimeout)
			requireNoLoss(t, d)
			if limit := 4 * maxRequestItems(be); d.Duplicates > limit {
				t.Errorf("%d duplicates, more than 4 workers x the largest request (%d items)", d.Duplicates, limit/4)
			}
			waitQueueEmpty(t, g)
			m := checkBalance(t, g)
			if got := m.Sum("dbintel_forward_items_recovered_total"); got < float64(len(acked)) {
				t.Errorf("recovered %v items after restart, want at least the %d acknowledged", got, len(acked))
			}
		})
	}
}

// maxRequestItems is the largest number of records in one request be
// received.
func maxRequestItems(be *fakebackend.Backend) int {
	largest := 0
	for _, r := range be.Requests() {
		largest = max(largest, r.Items)
	}
	return largest
}

// diskBytes sums the sizes of the durable queue's segment files.
func diskBytes(t *testing.T, dir string) int64 {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "seg-*.log"))
	if err != nil {
		t.Fatal(err)
	}
	var total int64
	for _, n := range names {
		if fi, err := os.Stat(n); err == nil {
			total += fi.Size()
		}
	}
	return total
}

// waitQueueEmpty waits until the forwarder reports nothing queued, so the
// balance check sees a quiet gateway.
func waitQueueEmpty(t *testing.T, g *harness.Gateway) {
	t.Helper()
	deadline := time.Now().Add(deliveryTimeout)
	for harness.ScrapeMetrics(t, g.Metrics).Sum("dbintel_forward_queue_items") != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("forward queue not empty after %s", deliveryTimeout)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
