package forward

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.uber.org/goleak"

	"github.com/dbintel/dbintel/internal/config"
	"github.com/dbintel/dbintel/pkg/pipeline"
	"github.com/dbintel/dbintel/test/fakebackend"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// testConfig points at the fake backend over protocol with fast retries.
func testConfig(be *fakebackend.Backend, protocol string) Config {
	cfg := DefaultConfig()
	cfg.Protocol = protocol
	cfg.Endpoint = be.GRPCAddr()
	if protocol == "http" {
		cfg.Endpoint = be.HTTPURL()
	}
	cfg.Insecure = true
	cfg.Headers = map[string]config.Secret{"api-key": "test-license-key"}
	cfg.Timeout = 5 * time.Second
	cfg.Retry.InitialInterval = 10 * time.Millisecond
	cfg.Retry.MaxInterval = 50 * time.Millisecond
	return cfg
}

// start builds and starts a forwarder that is shut down with the test.
func start(t *testing.T, cfg Config) (*Forwarder, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	f, err := New(cfg, reg, nil)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if err := f.Start(context.Background()); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := f.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
	return f, reg
}

// testBatch has n items of each requested signal, tagged id-0..id-(n-1).
func testBatch(points, records, spans int) pipeline.Batch {
	b := pipeline.NewBatch()
	if points > 0 {
		rm := b.Metrics.ResourceMetrics().AppendEmpty()
		rm.Resource().Attributes().PutStr("db.system.name", "postgresql")
		g := rm.ScopeMetrics().AppendEmpty().Metrics().AppendEmpty()
		g.SetName("postgresql.backends")
		dps := g.SetEmptyGauge().DataPoints()
		for i := range points {
			dp := dps.AppendEmpty()
			dp.SetIntValue(int64(i))
			dp.Attributes().PutStr("id", fmt.Sprint("id-", i))
		}
	}
	if records > 0 {
		lrs := b.Logs.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
		for i := range records {
			lrs.AppendEmpty().Body().SetStr(fmt.Sprint("id-", i))
		}
	}
	if spans > 0 {
		ss := b.Traces.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans()
		for i := range spans {
			ss.AppendEmpty().SetName(fmt.Sprint("id-", i))
		}
	}
	return b
}

// gathered sums every sample of a metric family, optionally filtered by
// one label value.
func gathered(t *testing.T, reg *prometheus.Registry, name string, label ...string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	next:
		for _, m := range mf.GetMetric() {
			for i := 0; i+1 < len(label); i += 2 {
				found := false
				for _, lp := range m.GetLabel() {
					if lp.GetName() == label[i] && lp.GetValue() == label[i+1] {
						found = true
					}
				}
				if !found {
					continue next
				}
			}
			sum += m.GetCounter().GetValue() + m.GetGauge().GetValue()
		}
	}
	return sum
}

// waitBalanced waits until nothing is queued or in flight, then checks
// enqueued = sent + dropped.
func waitBalanced(t *testing.T, reg *prometheus.Registry) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for gathered(t, reg, "dbintel_forward_queue_items") != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("queue not drained: %v items", gathered(t, reg, "dbintel_forward_queue_items"))
		}
		time.Sleep(5 * time.Millisecond)
	}
	assertBalance(t, reg)
}

func assertBalance(t *testing.T, reg *prometheus.Registry) {
	t.Helper()
	enq := gathered(t, reg, "dbintel_forward_items_enqueued_total")
	sent := gathered(t, reg, "dbintel_forward_items_sent_total")
	dropped := gathered(t, reg, "dbintel_forward_items_dropped_total")
	queued := gathered(t, reg, "dbintel_forward_queue_items")
	if enq != sent+dropped+queued {
		t.Errorf("balance: enqueued %v != sent %v + dropped %v + queued %v", enq, sent, dropped, queued)
	}
}

// ids collects the id tags the backend accepted, per signal.
func ids(be *fakebackend.Backend) map[string]int {
	seen := map[string]int{}
	for _, md := range be.Metrics() {
		for _, rm := range md.ResourceMetrics().All() {
			for _, sm := range rm.ScopeMetrics().All() {
				for _, m := range sm.Metrics().All() {
					for _, dp := range m.Gauge().DataPoints().All() {
						v, _ := dp.Attributes().Get("id")
						seen["m/"+v.Str()]++
					}
				}
			}
		}
	}
	for _, ld := range be.Logs() {
		forEachLog(ld, func(lr plog.LogRecord) { seen["l/"+lr.Body().Str()]++ })
	}
	for _, td := range be.Traces() {
		for _, rs := range td.ResourceSpans().All() {
			for _, ss := range rs.ScopeSpans().All() {
				for _, s := range ss.Spans().All() {
					seen["t/"+s.Name()]++
				}
			}
		}
	}
	return seen
}

func forEachLog(ld plog.Logs, fn func(plog.LogRecord)) {
	for _, rl := range ld.ResourceLogs().All() {
		for _, sl := range rl.ScopeLogs().All() {
			for _, lr := range sl.LogRecords().All() {
				fn(lr)
			}
		}
	}
}

func newRegistry() *prometheus.Registry { return prometheus.NewRegistry() }

// testItem encodes b as a queue item with one request per signal, as
// Consume does for a batch under max_request_bytes.
func testItem(t testing.TB, b pipeline.Batch, now time.Time) *item {
	t.Helper()
	c := b.Counts()
	it := &item{counts: [3]int{c.Points, c.Records, c.Spans}, enqueued: now}
	for _, s := range signals {
		if it.counts[s] == 0 {
			continue
		}
		raw, err := marshalSignal(s, part(b, s))
		if err != nil {
			t.Fatal(err)
		}
		it.chunks[s] = []chunk{{raw: raw, n: it.counts[s], sized: true}}
	}
	it.bytes = it.encodedSize()
	return it
}

// rawOf is signal s of b as a request body.
func rawOf(t testing.TB, s signal, b pipeline.Batch) []byte {
	t.Helper()
	raw, err := marshalSignal(s, part(b, s))
	if err != nil {
		t.Fatal(err)
	}
	return raw
}
