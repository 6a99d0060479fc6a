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

// TestTruncatedQueue: the last segment file is damaged while the gateway
// is down after a kill -9: a torn write (cut inside the last record's
// payload or header) or a tail of garbage or zeros (a file system that
// extended the file before a crash). The gateway starts, resends every
// complete record, quarantines and counts the rest, and starts cleanly
// again afterwards (no crash loop).
func TestTruncatedQueue(t *testing.T) {
	t.Parallel()
	const batches, batch = 10, 20
	cases := []struct {
		name string
		// damage changes the segment; before and after are its sizes
		// before and after the last record was written.
		damage   func(t *testing.T, seg string, before, after int64)
		lostLast bool // the last record is gone
	}{
		{"torn payload", func(t *testing.T, seg string, _, after int64) { truncate(t, seg, after-5) }, true},
		{"torn header", func(t *testing.T, seg string, before, _ int64) { truncate(t, seg, before+3) }, true},
		{"garbage tail", func(t *testing.T, seg string, _, _ int64) {
			appendBytes(t, seg, []byte{0xff, 0xfe, 0x00, 0x10, 1, 2, 3, 4, 5})
		}, false},
		{"zero tail", func(t *testing.T, seg string, _, _ int64) { appendBytes(t, seg, make([]byte, 4096)) }, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			be := fakebackend.Start(t)
			be.SetDown(true)
			dir := t.TempDir()
			env := gatewayEnv(t, be, "grpc", map[string]string{"DBINTEL_QUEUE_DIR": dir})
			config := writeConfig(t, fastRetry...)
			g := startGateway(t, env, config)
			s := harness.NewLogSender(t, g.GRPC)

			// One sender, one batch at a time: each acknowledged batch is
			// one record on disk, written before the acknowledgement.
			var last []int64
			var before int64
			for range batches {
				before = diskBytes(t, dir)
				ids, err := s.Send(context.Background(), batch, 0)
				if err != nil {
					t.Fatal(err)
				}
				last = ids
			}
			g.Kill()
			seg := lastSegment(t, dir)
			// Sizes are of the whole queue: offsets in seg while it is the
			// only segment (16 MiB each; this test writes about 12 KB).
			if segs, _ := filepath.Glob(filepath.Join(dir, "seg-*.log")); len(segs) != 1 {
				t.Fatalf("%d segments, want 1", len(segs))
			}
			after := diskBytes(t, dir)
			tc.damage(t, seg, before, after)

			g = startGateway(t, env, config)
			m := harness.ScrapeMetrics(t, g.Metrics)
			recovered, quarantined := m.Sum("dbintel_forward_items_recovered_total"), m.Sum("dbintel_forward_queue_quarantined_bytes_total")
			t.Logf("segment %s: last record at %d..%d, now %d bytes; recovered %v items, quarantined %v bytes",
				filepath.Base(seg), before, after, diskBytes(t, dir), recovered, quarantined)
			if quarantined == 0 {
				t.Error("queue_quarantined_bytes_total = 0 after a damaged tail")
			}
			if q, _ := filepath.Glob(filepath.Join(dir, "quarantine", "*")); len(q) == 0 {
				t.Error("nothing in the quarantine directory")
			}
			want := batches * batch
			if tc.lostLast {
				want -= batch
			}
			if recovered != float64(want) {
				t.Errorf("recovered %v items, want the %d of the complete records", recovered, want)
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
				if !tc.lostLast || !lastBatch[id] {
					t.Errorf("id %d lost although its record was complete on disk", id)
				}
			}
			if tc.lostLast && len(d.Lost) != batch {
				t.Errorf("%d ids lost, want exactly the %d of the torn record", len(d.Lost), batch)
			}
			waitQueueEmpty(t, g)
			checkBalance(t, g)

			// A clean stop and start finds nothing more to quarantine.
			if err := g.Stop(shutdownTimeout + 2*time.Second); err != nil {
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
		})
	}
}

func truncate(t *testing.T, path string, size int64) {
	t.Helper()
	if err := os.Truncate(path, size); err != nil {
		t.Fatal(err)
	}
}

func appendBytes(t *testing.T, path string, b []byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
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
