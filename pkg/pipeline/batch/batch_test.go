package batch

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/dbintel/dbintel/pkg/pipeline"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// gatedRecorder is the next consumer: it keeps every merged batch and can
// hold the flusher inside Consume until released.
type gatedRecorder struct {
	mu      sync.Mutex
	batches []pipeline.Batch
	err     error
	entered chan struct{}
	release chan struct{}
}

func newRecorder() *gatedRecorder {
	return &gatedRecorder{entered: make(chan struct{}, 100), release: make(chan struct{})}
}

func (r *gatedRecorder) Consume(_ context.Context, b pipeline.Batch) error {
	r.entered <- struct{}{}
	<-r.release
	r.mu.Lock()
	defer r.mu.Unlock()
	r.batches = append(r.batches, b)
	return r.err
}

func (r *gatedRecorder) open() { close(r.release) }

func (r *gatedRecorder) sizes() []int {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []int
	for _, b := range r.batches {
		out = append(out, b.Counts().Points)
	}
	return out
}

func gauges(n int) pipeline.Batch {
	md := pmetric.NewMetrics()
	m := md.ResourceMetrics().AppendEmpty().ScopeMetrics().AppendEmpty().Metrics().AppendEmpty()
	m.SetName("postgresql.backends")
	dps := m.SetEmptyGauge().DataPoints()
	for i := range n {
		dps.AppendEmpty().SetIntValue(int64(i))
	}
	return pipeline.FromMetrics(md)
}

func newBatcher(t *testing.T, cfg Config, next pipeline.Consumer) *Batcher {
	t.Helper()
	b, err := New(cfg, next, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Shutdown(context.Background()) })
	return b
}

// waitPending waits until n items are merged into the open batch.
func waitPending(b *Batcher, n int) {
	for {
		b.mu.Lock()
		got := 0
		if b.cur != nil {
			got = b.cur.items
		}
		for _, p := range b.closed {
			got += p.items
		}
		b.mu.Unlock()
		if got >= n {
			return
		}
		time.Sleep(time.Millisecond)
	}
}

func TestGroupCommitMergesWhatArrivesDuringASend(t *testing.T) {
	rec := newRecorder()
	b := newBatcher(t, DefaultConfig(), rec)

	first := make(chan error, 1)
	go func() { first <- b.Consume(context.Background(), gauges(1)) }()
	<-rec.entered // the flusher is busy sending the first batch alone

	errs := make(chan error, 10)
	for range 10 {
		go func() { errs <- b.Consume(context.Background(), gauges(10)) }()
	}
	waitPending(b, 100)
	rec.open()
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	for range 10 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if got := rec.sizes(); len(got) != 2 || got[0] != 1 || got[1] != 100 {
		t.Fatalf("batch sizes %v, want [1 100]: the ten callers must share one batch", got)
	}
}

func TestSizeAndBytesLimitsCloseBatches(t *testing.T) {
	one := sizeOf(gauges(50))
	rec := newRecorder()
	cfg := Config{SendBatchSize: 100, MaxBatchBytes: one*2 + one/2} // room for two inputs, not three
	b := newBatcher(t, cfg, rec)

	go func() { _ = b.Consume(context.Background(), gauges(1)) }()
	<-rec.entered
	errs := make(chan error, 6)
	for range 6 {
		go func() { errs <- b.Consume(context.Background(), gauges(50)) }()
	}
	waitPending(b, 300)
	rec.open()
	for range 6 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	got := rec.sizes()
	if len(got) != 4 || got[1] != 100 || got[2] != 100 || got[3] != 100 {
		t.Fatalf("batch sizes %v, want [1 100 100 100]", got)
	}
	for _, mb := range rec.batches {
		if s := sizeOf(mb); s > cfg.MaxBatchBytes {
			t.Fatalf("batch of %d bytes over the %d limit", s, cfg.MaxBatchBytes)
		}
	}
}

func TestNextErrorReachesEveryCallerOfTheBatch(t *testing.T) {
	rec := newRecorder()
	rec.err = pipeline.Refused("queue_full", time.Second)
	rec.open()
	b := newBatcher(t, DefaultConfig(), rec)
	if err := b.Consume(context.Background(), gauges(3)); !errors.Is(err, pipeline.ErrRefused) {
		t.Fatalf("got %v, want the next consumer's refusal", err)
	}
}

func TestShutdownSendsPendingThenRefuses(t *testing.T) {
	rec := newRecorder()
	b, _ := New(DefaultConfig(), rec, nil)
	go func() { _ = b.Consume(context.Background(), gauges(1)) }()
	<-rec.entered
	waiting := make(chan error, 1)
	go func() { waiting <- b.Consume(context.Background(), gauges(5)) }()
	waitPending(b, 5)

	stopped := make(chan error, 1)
	go func() { stopped <- b.Shutdown(context.Background()) }()
	rec.open()
	if err := <-stopped; err != nil {
		t.Fatal(err)
	}
	if err := <-waiting; err != nil {
		t.Fatalf("caller pending at shutdown got %v", err)
	}
	if got := rec.sizes(); len(got) != 2 || got[1] != 5 {
		t.Fatalf("batches %v, want the pending 5 points sent", got)
	}
	if err := b.Consume(context.Background(), gauges(1)); !errors.Is(err, pipeline.ErrRefused) {
		t.Fatalf("after shutdown: %v", err)
	}
	if err := b.Shutdown(context.Background()); err != nil {
		t.Fatalf("second shutdown: %v", err)
	}
}

func BenchmarkConsume(b *testing.B) {
	bt, _ := New(DefaultConfig(), pipeline.ConsumerFunc(func(context.Context, pipeline.Batch) error { return nil }), nil)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			_ = bt.Consume(context.Background(), gauges(100))
		}
	})
	b.ReportMetric(float64(b.N*100)/b.Elapsed().Seconds(), "points/s")
	_ = bt.Shutdown(context.Background())
}
