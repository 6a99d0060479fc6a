// Package batch merges small batches of every signal into larger ones before
// they reach the forwarder, bounded by items, bytes and time.
//
// Consume returns only when the merged batch holding the caller's data has
// been accepted (or refused) by the next consumer, and returns that answer.
// A sender is therefore never told "accepted" for data that sits only in this
// stage's memory, which keeps the gateway's no-loss contract with a durable
// queue behind it. Many senders wait concurrently, so throughput is kept.
package batch

import (
	"context"
	"sync"
	"time"

	"github.com/dbintel/dbintel/pkg/pipeline"
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// Batcher is the batching consumer.
type Batcher struct {
	cfg  Config
	next pipeline.Consumer

	mu      sync.Mutex
	cur     *pending
	closed  bool
	flushes sync.WaitGroup

	sizeTrigger *prometheus.CounterVec
	batchItems  prometheus.Observer
}

// pending is one merged batch and the callers waiting for its outcome.
type pending struct {
	batch pipeline.Batch
	items int
	bytes int
	timer *time.Timer
	// claimed is set, under Batcher.mu, by whichever of the timer or a size
	// flush takes the batch first; only that one sends it.
	claimed bool
	done    chan struct{}
	err     error
}

var (
	metricsSizer pmetric.ProtoMarshaler
	logsSizer    plog.ProtoMarshaler
	tracesSizer  ptrace.ProtoMarshaler
)

// New builds a batcher in front of next. reg may be nil.
func New(cfg Config, next pipeline.Consumer, reg prometheus.Registerer) (*Batcher, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	b := &Batcher{
		cfg: cfg, next: next,
		sizeTrigger: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "dbintel", Subsystem: "batch", Name: "flushes_total",
			Help: "Merged batches sent on, by what triggered the flush."}, []string{"trigger"}),
		batchItems: prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: "dbintel", Subsystem: "batch", Name: "batch_items",
			Help: "Items per merged batch.", Buckets: prometheus.ExponentialBuckets(1, 4, 9)}),
	}
	if reg != nil {
		reg.MustRegister(b.sizeTrigger, b.batchItems.(prometheus.Histogram))
	}
	return b, nil
}

// Consume adds in to the current merged batch and waits for its outcome.
// If ctx ends first the data may still be sent; the caller's retry can then
// deliver it twice, which is the at-least-once side of the trade.
func (b *Batcher) Consume(ctx context.Context, in pipeline.Batch) error {
	items := in.Counts().Total()
	if items == 0 {
		return nil
	}
	size := sizeOf(in)

	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return pipeline.Refused("shutting down", time.Second)
	}
	var full []*pending
	if b.cur != nil && b.cur.bytes+size > b.cfg.MaxBatchBytes {
		full = append(full, b.detach("bytes"))
	}
	if b.cur == nil {
		b.cur = b.start()
	}
	p := b.cur
	in.MoveTo(p.batch)
	p.items += items
	p.bytes += size
	if p.items >= b.cfg.SendBatchSize || p.bytes >= b.cfg.MaxBatchBytes {
		full = append(full, b.detach("size"))
	}
	b.mu.Unlock()

	for _, f := range full {
		b.flush(f)
	}
	select {
	case <-p.done:
		return p.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// start opens a new merged batch whose timer flushes it if nothing else does.
// Called with mu held.
func (b *Batcher) start() *pending {
	p := &pending{batch: pipeline.NewBatch(), done: make(chan struct{})}
	b.flushes.Add(1)
	p.timer = time.AfterFunc(b.cfg.Timeout, func() {
		b.mu.Lock()
		if p.claimed {
			b.mu.Unlock()
			return // already flushed for size
		}
		p.claimed = true
		if b.cur == p {
			b.cur = nil
		}
		b.mu.Unlock()
		b.sizeTrigger.WithLabelValues("timeout").Inc()
		b.send(p)
	})
	return p
}

// detach takes the current batch out for flushing. Called with mu held.
func (b *Batcher) detach(trigger string) *pending {
	p := b.cur
	b.cur = nil
	p.claimed = true
	b.sizeTrigger.WithLabelValues(trigger).Inc()
	return p
}

// flush sends a detached batch.
func (b *Batcher) flush(p *pending) {
	p.timer.Stop()
	b.send(p)
}

func (b *Batcher) send(p *pending) {
	defer b.flushes.Done()
	b.batchItems.Observe(float64(p.items))
	// The merged batch outlives every caller's context; the next consumer
	// bounds its own work.
	p.err = b.next.Consume(context.Background(), p.batch)
	close(p.done)
}

// Shutdown flushes what is pending, refuses new data and waits for every
// flush in progress, or until ctx ends. It is idempotent.
func (b *Batcher) Shutdown(ctx context.Context) error {
	b.mu.Lock()
	b.closed = true
	var last *pending
	if b.cur != nil {
		last = b.detach("shutdown")
	}
	b.mu.Unlock()
	if last != nil {
		b.flush(last)
	}
	done := make(chan struct{})
	go func() { b.flushes.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func sizeOf(in pipeline.Batch) int {
	return metricsSizer.MetricsSize(in.Metrics) + logsSizer.LogsSize(in.Logs) + tracesSizer.TracesSize(in.Traces)
}
