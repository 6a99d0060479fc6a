// Package batch merges small batches of every signal into larger ones before
// they reach the forwarder, bounded by items and bytes.
//
// Batches form by group commit: one flusher hands merged batches to the next
// consumer one at a time, and whatever arrives meanwhile is merged into the
// next one. An idle gateway therefore adds no waiting, and a busy one (or a
// durable queue that fsyncs per batch) gets large batches.
//
// Consume returns only when the merged batch holding the caller's data has
// been accepted (or refused) by the next consumer, and returns that answer.
// A sender is never told "accepted" for data that sits only in this stage's
// memory, which keeps the gateway's no-loss contract with a durable queue.
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

// Batcher is the batching consumer. Start it before use.
type Batcher struct {
	cfg  Config
	next pipeline.Consumer

	mu      sync.Mutex
	cur     *pending   // open for merging
	closed  []*pending // full, waiting for the flusher
	closing bool
	wake    chan struct{} // capacity 1: "there is something to flush"
	stop    chan struct{}
	done    chan struct{}
	once    sync.Once

	flushes    *prometheus.CounterVec
	batchItems prometheus.Histogram
}

// pending is one merged batch and the callers waiting for its outcome.
type pending struct {
	batch pipeline.Batch
	items int
	bytes int
	done  chan struct{}
	err   error
}

var (
	metricsSizer pmetric.ProtoMarshaler
	logsSizer    plog.ProtoMarshaler
	tracesSizer  ptrace.ProtoMarshaler
)

// New builds a batcher in front of next and starts its flusher. reg may be nil.
func New(cfg Config, next pipeline.Consumer, reg prometheus.Registerer) (*Batcher, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	b := &Batcher{
		cfg: cfg, next: next,
		wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{}),
		flushes: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "dbintel", Subsystem: "batch", Name: "flushes_total",
			Help: "Merged batches handed on, by why the batch was closed (size, bytes, idle, shutdown)."}, []string{"trigger"}),
		batchItems: prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: "dbintel", Subsystem: "batch", Name: "batch_items",
			Help: "Items per merged batch.", Buckets: prometheus.ExponentialBuckets(1, 4, 9)}),
	}
	if reg != nil {
		reg.MustRegister(b.flushes, b.batchItems)
	}
	go b.flusher()
	return b, nil
}

// Consume merges in into the open batch and waits for that batch's outcome.
func (b *Batcher) Consume(_ context.Context, in pipeline.Batch) error {
	items := in.Counts().Total()
	if items == 0 {
		return nil
	}
	size := sizeOf(in)

	b.mu.Lock()
	if b.closing {
		b.mu.Unlock()
		return pipeline.Refused("shutting down", time.Second)
	}
	if b.cur != nil && b.cur.bytes+size > b.cfg.MaxBatchBytes {
		b.close("bytes")
	}
	if b.cur == nil {
		b.cur = &pending{batch: pipeline.NewBatch(), done: make(chan struct{})}
	}
	p := b.cur
	in.MoveTo(p.batch)
	p.items += items
	p.bytes += size
	if p.items >= b.cfg.SendBatchSize {
		b.close("size")
	} else if p.bytes >= b.cfg.MaxBatchBytes {
		b.close("bytes")
	}
	b.mu.Unlock()
	select {
	case b.wake <- struct{}{}:
	default:
	}

	// Wait for the outcome even if ctx ends: the data is merged and will be
	// handed on, so answering with ctx's error would make the sender resend
	// data that was kept (and the receiver count it as refused). The wait is
	// bounded by the next consumer, which refuses at once when it is full.
	<-p.done
	return p.err
}

// close moves the open batch to the flush queue. Called with mu held.
func (b *Batcher) close(trigger string) {
	b.closed = append(b.closed, b.cur)
	b.cur = nil
	b.flushes.WithLabelValues(trigger).Inc()
}

// take returns the next batch to send: a full one first, else the open one.
func (b *Batcher) take() *pending {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.closed) == 0 && b.cur != nil {
		trigger := "idle"
		if b.closing {
			trigger = "shutdown"
		}
		b.close(trigger)
	}
	if len(b.closed) == 0 {
		return nil
	}
	p := b.closed[0]
	b.closed[0] = nil
	b.closed = b.closed[1:]
	return p
}

func (b *Batcher) flusher() {
	defer close(b.done)
	for {
		b.drain()
		select {
		case <-b.wake:
		case <-b.stop:
			// closing is set, so nothing new can arrive: one last drain.
			b.drain()
			return
		}
	}
}

func (b *Batcher) drain() {
	for p := b.take(); p != nil; p = b.take() {
		b.batchItems.Observe(float64(p.items))
		// The merged batch outlives every caller's context; the next
		// consumer bounds its own work.
		p.err = b.next.Consume(context.Background(), p.batch)
		close(p.done)
	}
}

// Shutdown refuses new data, sends what is pending and waits for the
// flusher, or until ctx ends. It is idempotent.
func (b *Batcher) Shutdown(ctx context.Context) error {
	b.once.Do(func() {
		b.mu.Lock()
		b.closing = true
		b.mu.Unlock()
		close(b.stop)
	})
	select {
	case <-b.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func sizeOf(in pipeline.Batch) int {
	return metricsSizer.MetricsSize(in.Metrics) + logsSizer.LogsSize(in.Logs) + tracesSizer.TracesSize(in.Traces)
}
