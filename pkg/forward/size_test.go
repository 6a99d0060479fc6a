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
					t.Fatalf("compressible batch of %d bytes uncompressed: %d requests, want one accepted whole", signalSize(sigLogs, dull), len(r))
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
				if est, _ := f.client.(sizer).ratio().estimate(signalSize(sigLogs, noisy)); est > 3000 {
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

// The size measured at enqueue stands in for the walk before sending only
// when it is exactly the request's size: one signal, in-memory queue.
func TestKnownSizeIsTheRequestSize(t *testing.T) {
	f := &Forwarder{}
	for _, s := range signals {
		counts := [3]int{}
		counts[s] = 40
		it := newItem(testBatch(counts[0], counts[1], counts[2]), time.Now(), true)
		if got, want := f.knownSize(it, s), signalSize(s, part(it.batch, s)); got != want || got == 0 {
			t.Errorf("%s: known size %d, request size %d", s, got, want)
		}
	}
	mixed := newItem(testBatch(5, 5, 0), time.Now(), true)
	if got := f.knownSize(mixed, sigMetrics); got != 0 {
		t.Errorf("an item of two signals gave a known size %d for one of them", got)
	}
	f.durable = true
	if got := f.knownSize(newItem(testBatch(5, 0, 0), time.Now(), true), sigMetrics); got != 0 {
		t.Errorf("durable queue: known size %d, want 0 (its record size is not the request's)", got)
	}
}
