package faults

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/dbintel/dbintel/test/fakebackend"
	"github.com/dbintel/dbintel/test/harness"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"google.golang.org/grpc/codes"
)

// TestQueueDiskFull: a durable queue capped at 32 KiB fills while the
// backend is down; senders get retryable refusals (UNAVAILABLE), keep
// their data, and once the backend is back nothing acknowledged is lost.
func TestQueueDiskFull(t *testing.T) {
	t.Parallel()
	be := fakebackend.Start(t)
	be.SetDown(true)
	config := writeConfig(t, append([]string{"max_bytes: 536870912", "max_bytes: 32768"}, fastRetry...)...)
	g := startGateway(t, gatewayEnv(t, be, "grpc", map[string]string{"DBINTEL_QUEUE_DIR": t.TempDir()}), config)
	s := harness.NewLogSender(t, g.GRPC)

	stop := load(s, 2, 50)
	phase(t, 0, "queue full", func() bool { return s.Refusals(codes.Unavailable) >= 4 })
	full := len(s.Acked())
	// OTLP/HTTP senders get the same backpressure: 503 with Retry-After.
	if code, retryAfter := postLogs(t, g); code != http.StatusServiceUnavailable || retryAfter == "" {
		t.Errorf("OTLP/HTTP export to a full queue: %d, Retry-After %q; want 503 with Retry-After", code, retryAfter)
	}
	be.SetDown(false)
	// Backpressure must end once the backlog drains: the senders' retried
	// data is acknowledged again.
	deadline := time.Now().Add(deliveryTimeout)
	for len(s.Acked()) < full+200 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	stop()
	t.Logf("sender: %s; acknowledged while the backend was down: %d", s.Stats(), full)
	if len(s.Acked()) < full+200 {
		t.Errorf("acknowledgements did not resume after the backend came back: %d before, %d after", full, len(s.Acked()))
	}

	requireNoLoss(t, waitDelivered(t, be, s.Acked(), deliveryTimeout))
	waitQueueEmpty(t, g)
	m := checkBalance(t, g)
	if m.Sum("dbintel_receiver_items_refused_total") == 0 || m.Sum("dbintel_forward_batches_refused_total") == 0 {
		t.Error("the gateway counted no refusal although senders got some")
	}
}

// TestTruncatedQueue: the last segment file loses a few bytes while the
// gateway is down after a kill -9 (a torn write). The gateway starts,
// resends every complete record, quarantines and counts the torn one, and
// starts cleanly again afterwards (no crash loop).
func TestTruncatedQueue(t *testing.T) {
	t.Parallel()
	be := fakebackend.Start(t)
	be.SetDown(true)
	dir := t.TempDir()
	env := gatewayEnv(t, be, "grpc", map[string]string{"DBINTEL_QUEUE_DIR": dir})
	config := writeConfig(t, fastRetry...)
	g := startGateway(t, env, config)
	s := harness.NewLogSender(t, g.GRPC)

	// One sender, one batch at a time: each acknowledged batch is one
	// record on disk, and the last one is the torn one.
	const batches, batch = 10, 20
	var last []int64
	for range batches {
		ids, err := s.Send(context.Background(), batch, 0)
		if err != nil {
			t.Fatal(err)
		}
		last = ids
	}
	g.Kill()
	seg := lastSegment(t, dir)
	fi, err := os.Stat(seg)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(seg, fi.Size()-5); err != nil {
		t.Fatal(err)
	}

	g = startGateway(t, env, config)
	m := harness.ScrapeMetrics(t, g.Metrics)
	recovered, quarantined := m.Sum("dbintel_forward_items_recovered_total"), m.Sum("dbintel_forward_queue_quarantined_bytes_total")
	t.Logf("segment %s: %d bytes cut to %d; recovered %v items, quarantined %v bytes", filepath.Base(seg), fi.Size(), fi.Size()-5, recovered, quarantined)
	if quarantined == 0 {
		t.Error("queue_quarantined_bytes_total = 0 after a torn tail")
	}
	if q, _ := filepath.Glob(filepath.Join(dir, "quarantine", "*")); len(q) == 0 {
		t.Error("nothing in the quarantine directory")
	}
	if want := float64((batches - 1) * batch); recovered != want {
		t.Errorf("recovered %v items, want the %v of the complete records", recovered, want)
	}

	be.SetDown(false)
	waitMetric(t, g, recovered, "dbintel_forward_items_sent_total")
	d := harness.CompareDelivery(s.Acked(), harness.LogIDs(be.Logs()))
	t.Logf("delivery: %s", d)
	lastBatch := map[int64]bool{}
	for _, id := range last {
		lastBatch[id] = true
	}
	for _, id := range d.Lost {
		if !lastBatch[id] {
			t.Errorf("id %d lost although its record was complete on disk", id)
		}
	}
	if len(d.Lost) != batch {
		t.Errorf("%d ids lost, want exactly the %d of the torn record", len(d.Lost), batch)
	}
	waitQueueEmpty(t, g)
	checkBalance(t, g)

	// A clean stop and start finds nothing more to quarantine.
	if err := g.Stop(shutdownTimeout + time.Second); err != nil {
		t.Errorf("stop: %v", err)
	}
	g = startGateway(t, env, config)
	time.Sleep(time.Second)
	if g.Exited() {
		t.Fatal("gateway exited after a restart on the repaired queue")
	}
	m = harness.ScrapeMetrics(t, g.Metrics)
	if got := m.Sum("dbintel_forward_queue_quarantined_bytes_total"); got != 0 {
		t.Errorf("second restart quarantined %v more bytes", got)
	}
	if got := m.Sum("dbintel_forward_items_recovered_total"); got != 0 {
		t.Errorf("second restart recovered %v items already delivered", got)
	}
}

// lastSegment is the newest segment file of a durable queue dir.
func lastSegment(t *testing.T, dir string) string {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "seg-*.log"))
	if err != nil || len(names) == 0 {
		t.Fatalf("no segment file in %s (%v)", dir, err)
	}
	sort.Strings(names) // zero-padded ids sort by name
	return names[len(names)-1]
}

// postLogs sends an OTLP/HTTP protobuf logs request to g, twice the size
// of the gRPC senders' (so it cannot fit where theirs did not), and returns
// the status and Retry-After header.
func postLogs(t *testing.T, g *harness.Gateway) (int, string) {
	t.Helper()
	ld := plog.NewLogs()
	recs := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
	for range 100 {
		recs.AppendEmpty().Body().SetStr("fault test record over http")
	}
	body, err := plogotlp.NewExportRequestFromLogs(ld).MarshalProto()
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post("http://"+g.HTTP+"/v1/logs", "application/x-protobuf", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Retry-After")
}
