package batch

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dbintel/dbintel/pkg/pipeline"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// recorder is the next consumer: it keeps every merged batch it gets.
type recorder struct {
	mu      sync.Mutex
	batches []pipeline.Batch
	err     error
}

func (r *recorder) Consume(_ context.Context, b pipeline.Batch) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.batches = append(r.batches, b)
	return r.err
}

func (r *recorder) counts() (batches, points int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, b := range r.batches {
		points += b.Counts().Points
	}
	return len(r.batches), points
}

func gauges(n int) pipeline.Batch {
	md := pmetric.NewMetrics()
	ms := md.ResourceMetrics().AppendEmpty().ScopeMetrics().AppendEmpty().Metrics()
	m := ms.AppendEmpty()
	m.SetName("postgresql.backends")
	dps := m.SetEmptyGauge().DataPoints()
	for i := range n {
		dps.AppendEmpty().SetIntValue(int64(i))
	}
	return pipeline.FromMetrics(md)
}

func TestMergesConcurrentCallersAndReturnsTheOutcome(t *testing.T) {
	rec := &recorder{}
	cfg := DefaultConfig()
	cfg.SendBatchSize = 100
	cfg.Timeout = time.Hour // only size may flush here
	b, err := New(cfg, rec, nil)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var failures atomic.Int32
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := b.Consume(context.Background(), gauges(10)); err != nil {
				failures.Add(1)
			}
		}()
	}
	wg.Wait()
	if n, points := rec.counts(); n != 1 || points != 100 {
		t.Fatalf("got %d batches with %d points, want 1 with 100", n, points)
	}
	if failures.Load() != 0 {
		t.Fatalf("%d callers got errors", failures.Load())
	}
	if err := b.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestTimeoutFlushesAndNextErrorReachesEveryCaller(t *testing.T) {
	rec := &recorder{err: pipeline.Refused("queue_full", time.Second)}
	cfg := DefaultConfig()
	cfg.Timeout = 10 * time.Millisecond
	b, _ := New(cfg, rec, nil)
	err := b.Consume(context.Background(), gauges(3))
	if !errors.Is(err, pipeline.ErrRefused) {
		t.Fatalf("got %v, want the next consumer's refusal", err)
	}
	if n, points := rec.counts(); n != 1 || points != 3 {
		t.Fatalf("got %d batches / %d points", n, points)
	}
	_ = b.Shutdown(context.Background())
}

func TestByteLimitStartsANewBatch(t *testing.T) {
	rec := &recorder{}
	one := sizeOf(gauges(50))
	cfg := DefaultConfig()
	cfg.MaxBatchBytes = one + one/2 // room for one input, not two
	cfg.Timeout = 20 * time.Millisecond
	b, _ := New(cfg, rec, nil)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() { defer wg.Done(); _ = b.Consume(context.Background(), gauges(50)) }()
	}
	wg.Wait()
	_ = b.Shutdown(context.Background())
	n, points := rec.counts()
	if points != 200 || n != 4 {
		t.Fatalf("got %d batches / %d points, want 4 / 200", n, points)
	}
	for _, mb := range rec.batches {
		if s := sizeOf(mb); s > cfg.MaxBatchBytes {
			t.Fatalf("batch of %d bytes over the %d limit", s, cfg.MaxBatchBytes)
		}
	}
}

func TestShutdownFlushesAndRefusesAfterwards(t *testing.T) {
	rec := &recorder{}
	cfg := DefaultConfig()
	cfg.Timeout = time.Hour
	b, _ := New(cfg, rec, nil)
	done := make(chan error)
	go func() { done <- b.Consume(context.Background(), gauges(5)) }()
	for {
		b.mu.Lock()
		waiting := b.cur != nil
		b.mu.Unlock()
		if waiting {
			break
		}
		time.Sleep(time.Millisecond)
	}
	if err := b.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("caller waiting at shutdown got %v", err)
	}
	if _, points := rec.counts(); points != 5 {
		t.Fatalf("flushed %d points, want 5", points)
	}
	if err := b.Consume(context.Background(), gauges(1)); !errors.Is(err, pipeline.ErrRefused) {
		t.Fatalf("after shutdown: %v", err)
	}
	if err := b.Shutdown(context.Background()); err != nil {
		t.Fatalf("second shutdown: %v", err)
	}
}

func BenchmarkConsume(b *testing.B) {
	cfg := DefaultConfig()
	cfg.SendBatchSize = 1000
	bt, _ := New(cfg, pipeline.ConsumerFunc(func(context.Context, pipeline.Batch) error { return nil }), nil)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			_ = bt.Consume(context.Background(), gauges(100))
		}
	})
	b.ReportMetric(float64(b.N*100)/b.Elapsed().Seconds(), "points/s")
	_ = bt.Shutdown(context.Background())
}
