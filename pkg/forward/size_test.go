package forward

import (
	"context"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/dbintel/dbintel/test/fakebackend"
)

func TestRatioEstimate(t *testing.T) {
	var r ratio
	if _, ok := r.estimate(1000); ok {
		t.Fatal("an estimate before any request was sent")
	}
	r.observe(1000, 100)
	if est, ok := r.estimate(5000); !ok || est != 500 {
		t.Errorf("estimate(5000) after 10:1 = %d, %v; want 500", est, ok)
	}
	r.observe(1000, 300) // smoothed: (0.1 + 0.3) / 2
	if est, _ := r.estimate(1000); est != 200 {
		t.Errorf("estimate(1000) after 10:1 then 10:3 = %d, want 200", est)
	}
	r.observe(0, 10)
	r.observe(10, 0)
	if est, _ := r.estimate(1000); est != 200 {
		t.Errorf("empty observations changed the ratio: estimate %d", est)
	}
}

// A ratio learned on compressible data underestimates incompressible data:
// the request goes out unmeasured, the backend answers too large, and the
// forwarder splits until every item is delivered, none dropped.
func TestWrongEstimateSplitsOnTooLarge(t *testing.T) {
	for _, protocol := range []string{"grpc", "http"} {
		for _, compression := range []string{"gzip", "zstd"} {
			t.Run(protocol+"/"+compression, func(t *testing.T) {
				be := fakebackend.Start(t)
				be.SetMaxBytes(4000)
				cfg := testConfig(be, protocol)
				cfg.Compression = compression
				cfg.MaxRequestBytes = 4000
				f, reg := start(t, cfg)
				dull := testBatch(0, 300, 0)
				for _, lr := range dull.Logs.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().All() {
					lr.Attributes().PutStr("pad", strings.Repeat("a", 60))
				}
				if err := f.Consume(context.Background(), dull); err != nil {
					t.Fatal(err)
				}
				be.WaitForItems(t, 300, 20*time.Second)
				if r := be.Requests(); len(r) != 1 || !r[0].Answer.Success() {
					t.Fatalf("compressible batch of %d bytes uncompressed: %d requests, want one accepted whole", len(rawOf(t, sigLogs, dull)), len(r))
				}
				noisy := testBatch(0, 300, 0)
				rnd := rand.New(rand.NewPCG(3, 4))
				for _, lr := range noisy.Logs.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().All() {
					noise := make([]byte, 60)
					for i := range noise {
						noise[i] = byte('a' + rnd.IntN(26))
					}
					lr.Attributes().PutStr("pad", string(noise))
				}
				if est, _ := f.client.(sizer).ratio().estimate(len(rawOf(t, sigLogs, noisy))); est > 3000 {
					t.Fatalf("estimate %d: the noisy batch would be measured, the test proves nothing", est)
				}
				if err := f.Consume(context.Background(), noisy); err != nil {
					t.Fatal(err)
				}
				be.WaitForItems(t, 600, 20*time.Second)
				waitBalanced(t, reg)
				if got := gathered(t, reg, "dbintel_forward_items_dropped_total"); got != 0 {
					t.Errorf("%v items dropped, want none", got)
				}
				refused := 0
				for _, r := range be.Requests() {
					if !r.Answer.Success() {
						refused++
					}
				}
				if refused == 0 {
					t.Error("no request was refused as too large: the estimate was not used")
				}
			})
		}
	}
}

// Consume splits a signal above max_request_bytes into requests that each
// fit, and queues only their bytes; together they hold every item once.
func TestEncodeSplitsToTheLimit(t *testing.T) {
	be := fakebackend.Start(t)
	cfg := testConfig(be, "grpc")
	cfg.Compression = "none"
	cfg.MaxRequestBytes = 2000
	f, _ := start(t, cfg)
	in := testBatch(0, 0, 300)
	it, err := f.encode(in, in.Counts(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if in.Traces.SpanCount() != 300 || in.Traces.ResourceSpans().Len() != 1 {
		t.Fatalf("encode changed its input: %d spans in %d resources", in.Traces.SpanCount(), in.Traces.ResourceSpans().Len())
	}
	cs := it.chunks[sigTraces]
	seen := map[string]bool{}
	total := 0
	for _, c := range cs {
		b, err := unmarshalSignal(sigTraces, c.raw)
		if err != nil || len(c.raw) > cfg.MaxRequestBytes || !c.sized || b.Traces.SpanCount() != c.n {
			t.Fatalf("chunk of %d bytes, %d items (decoded %d, err %v), sized %v", len(c.raw), c.n, b.Traces.SpanCount(), err, c.sized)
		}
		for _, sp := range b.Traces.ResourceSpans().At(0).ScopeSpans().At(0).Spans().All() {
			seen[sp.Name()] = true
		}
		total += c.n
	}
	if len(cs) < 2 || total != 300 || len(seen) != 300 || it.bytes != it.encodedSize() {
		t.Errorf("%d chunks, %d items, %d distinct, bytes %d vs %d", len(cs), total, len(seen), it.bytes, it.encodedSize())
	}
}

// A durable record keeps a signal as one request; read back from disk above
// max_request_bytes (a smaller limit than when it was queued), it is split
// before sending, not refused.
func TestRecordAboveLimitSplitsWhenSent(t *testing.T) {
	dir := t.TempDir()
	qcfg := DefaultConfig().Queue
	qcfg.Dir = dir
	q, _, _, err := openDiskQueue(qcfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := q.put(testItem(t, testBatch(200, 0, 0), time.Now()), func() {}); err != nil {
		t.Fatal(err)
	}
	if _, err := q.close(); err != nil {
		t.Fatal(err)
	}
	be := fakebackend.Start(t)
	cfg := testConfig(be, "http")
	cfg.Queue.Dir = dir
	cfg.Compression = "none"
	cfg.MaxRequestBytes = 2000
	_, reg := start(t, cfg)
	be.WaitForItems(t, 200, 10*time.Second)
	waitBalanced(t, reg)
	reqs := be.Requests()
	for _, r := range reqs {
		if r.Bytes > cfg.MaxRequestBytes || !r.Answer.Success() {
			t.Fatalf("request of %d bytes answered %+v", r.Bytes, r.Answer)
		}
	}
	if len(reqs) < 2 || len(ids(be)) != 200 {
		t.Errorf("%d requests, %d distinct points", len(reqs), len(ids(be)))
	}
}
