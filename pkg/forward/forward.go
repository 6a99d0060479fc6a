// Package forward sends batches to an OTLP backend (New Relic or any OTLP
// endpoint) through a bounded queue with retrying workers, or writes them to
// a local file sink. It is the last consumer of both binaries' pipelines.
package forward

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"

	"github.com/dbintel/dbintel/internal/config"
	"github.com/dbintel/dbintel/pkg/pipeline"
)

// FailureObserver learns about data the backend refused for good, so the
// gateway can trip the breaker of the database it came from. It must not
// keep or modify b.
type FailureObserver interface {
	ExportFailed(b pipeline.Batch, reason string)
}

// Forwarder is a pipeline.Consumer that queues batches and exports them.
type Forwarder struct {
	cfg     Config
	log     *slog.Logger
	m       *metrics
	client  client
	q       queue
	durable bool
	gate    *gate

	observer atomic.Pointer[FailureObserver]
	authErr  atomic.Pointer[error]
	// queueErr is the last queue write failure, until a write succeeds.
	queueErr atomic.Pointer[error]
	warnLog  rate.Sometimes // per-item warnings, at most one per interval
	errLog   rate.Sometimes // per-item data-loss errors, idem

	stopping atomic.Bool
	// lastBatch is the size of the last batch offered, what Admit expects
	// the next one to be: the batcher merges requests into batches of a
	// similar size.
	lastBatch atomic.Int64
	started   atomic.Bool
	// backendDown mirrors the backend gate: true while it holds sending.
	backendDown atomic.Bool
	runCtx      context.Context
	cancel      context.CancelFunc
	wg          sync.WaitGroup
	stopOnce    sync.Once
	stopErr     error
}

// New validates cfg and builds a forwarder; nothing is sent before Start.
// reg may be nil (no self-metrics).
func New(cfg Config, reg prometheus.Registerer, log *slog.Logger) (*Forwarder, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("forward: invalid config:\n%w", err)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	m, err := newMetrics(reg)
	if err != nil {
		return nil, err
	}
	c, err := newClient(cfg)
	if err != nil {
		return nil, err
	}
	f := &Forwarder{cfg: cfg, log: log, m: m, client: c, warnLog: rate.Sometimes{Interval: 10 * time.Second},
		errLog: rate.Sometimes{Interval: 10 * time.Second}}
	f.gate = newGate(f.breakerChanged)
	f.runCtx, f.cancel = context.WithCancel(context.Background())
	if f.q, err = f.openQueue(); err != nil {
		f.cancel()
		return nil, errors.Join(err, c.close())
	}
	return f, nil
}

// SetFailureObserver registers o (nil removes it). Safe at any time.
func (f *Forwarder) SetFailureObserver(o FailureObserver) {
	if o == nil {
		f.observer.Store(nil)
		return
	}
	f.observer.Store(&o)
}

// Start launches the workers and returns at once. ctx only bounds startup;
// the workers run until Shutdown.
func (f *Forwarder) Start(_ context.Context) error {
	if f.stopping.Load() || !f.started.CompareAndSwap(false, true) {
		return nil
	}
	for range f.cfg.Queue.Workers {
		f.wg.Add(1)
		go f.worker()
	}
	f.log.Info("forwarder started", "target", f.target(), "workers", f.cfg.Queue.Workers, "durable", f.durable)
	return nil
}

// Admit reports, before a receiver decodes a request, whether the queue
// would now refuse a batch the size of the last one: flat out, requests
// decoded and run through every stage only to be refused at a full queue
// were a fifth of those the gateway received (make loadtest, metrics).
// nil when a batch may be taken.
func (f *Forwarder) Admit() error {
	if f.q.refuses(int(max(f.lastBatch.Load(), 1))) {
		return errQueueSaturated(f.cfg.Retry.InitialInterval)
	}
	return nil
}

func errQueueSaturated(retryAfter time.Duration) error {
	return pipeline.Refused("queue_full", retryAfter)
}

// Consume queues b and returns; the workers send it. A full queue refuses
// with a retryable pipeline.Refused error so senders back off. b is only
// read (encoded into the queue), never changed.
func (f *Forwarder) Consume(_ context.Context, b pipeline.Batch) error {
	retryAfter := f.cfg.Retry.InitialInterval
	if f.stopping.Load() {
		f.m.refused.Inc()
		return pipeline.Refused("shutting_down", retryAfter)
	}
	c := b.Counts()
	if c.Total() == 0 {
		return nil
	}
	f.lastBatch.Store(int64(c.Total()))
	if f.q.refuses(c.Total()) {
		// Saturated: answer before spending a marshal on the batch.
		f.m.refused.Inc()
		return errQueueSaturated(retryAfter)
	}
	it, err := f.encode(b, c, time.Now())
	if err != nil {
		// pdata that does not marshal: no retry can help.
		f.m.refused.Inc()
		return fmt.Errorf("forward: %w", err)
	}
	evicted, err := f.q.put(it, func() { f.account(it) })
	for _, old := range evicted {
		f.dropRemaining(old, reasonDropOldest)
	}
	switch {
	case err == nil:
		if f.queueErr.Load() != nil {
			f.queueErr.Store(nil)
		}
		return nil
	case errors.Is(err, errQueueFull):
		f.m.refused.Inc()
		return pipeline.Refused("queue_full", retryAfter)
	case errors.Is(err, errClosed):
		f.m.refused.Inc()
		return pipeline.Refused("shutting_down", retryAfter)
	default:
		// A disk error: the sender keeps the data and retries, which is
		// better than acknowledging what we could not store.
		f.m.refused.Inc()
		qerr := fmt.Errorf("forward queue writes fail (disk full or unwritable?): %w", err)
		f.queueErr.Store(&qerr)
		f.warnLog.Do(func() { f.log.Warn("forward queue write failed", "err", err) })
		return pipeline.Refused("queue_error", retryAfter)
	}
}

// Ready is nil unless the backend refused our credentials (401/403) since
// the last success, or queue writes fail; /readyz reports it. While writes
// fail it probes the queue, so readiness returns even when no traffic comes
// (a pod out of its Service gets none).
func (f *Forwarder) Ready() error {
	var errs []error
	if p := f.authErr.Load(); p != nil {
		errs = append(errs, *p)
	}
	if p := f.queueErr.Load(); p != nil {
		if pr, ok := f.q.(interface{ probe() error }); ok && pr.probe() == nil {
			f.queueErr.CompareAndSwap(p, nil)
		} else {
			errs = append(errs, *p)
		}
	}
	return errors.Join(errs...)
}

// Shutdown stops intake, lets the workers drain until ctx ends, then cuts
// in-flight attempts and waits for every goroutine. Unsent data stays on
// disk with a durable queue; otherwise it is counted as dropped (shutdown).
// It is idempotent.
func (f *Forwarder) Shutdown(ctx context.Context) error {
	f.stopOnce.Do(func() { f.stopErr = f.shutdown(ctx) })
	return f.stopErr
}

func (f *Forwarder) shutdown(ctx context.Context) error {
	f.stopping.Store(true)
	f.q.closeIntake()
	done := make(chan struct{})
	go func() { f.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		f.cancel()
		<-done
	}
	f.cancel()
	lost, qerr := f.q.close()
	for _, it := range lost {
		f.dropRemaining(it, reasonShutdown)
	}
	if len(lost) > 0 {
		f.log.Error("forward shutdown deadline passed with data still queued in memory; it is lost (set forward.queue.dir to keep it)", "batches", len(lost))
	}
	return errors.Join(qerr, f.client.close())
}

func (f *Forwarder) target() string {
	if f.cfg.Sink.File != "" {
		return "file:" + f.cfg.Sink.File
	}
	return f.cfg.Protocol + ":" + config.RedactURL(f.cfg.Endpoint)
}

// Healthy reports whether the backend is taking data: the backend gate is
// closed and it has not refused the credentials. Rendezvous routing uses it
// to send new data elsewhere while a gateway is down.
func (f *Forwarder) Healthy() bool {
	return !f.backendDown.Load() && f.Ready() == nil
}

func (f *Forwarder) breakerChanged(open bool) {
	f.backendDown.Store(open)
	if open {
		f.m.breaker.Set(1)
		f.log.Warn("backend failing or throttling: holding queued data, probing with one request at a time", "target", f.target())
		return
	}
	f.m.breaker.Set(0)
	f.log.Info("backend healthy again, sending resumed", "target", f.target())
}

// account counts an item as enqueued (called under the queue lock).
func (f *Forwarder) account(it *item) {
	for _, s := range signals {
		f.m.enqueued[s].Add(float64(it.counts[s]))
	}
	f.m.items.Add(float64(it.total()))
	f.m.batches.Inc()
	f.m.bytes.Add(float64(it.bytes))
}

func (f *Forwarder) sent(it *item, s signal, n int) {
	it.resolved[s] += n
	f.m.sent[s].Add(float64(n))
	f.m.items.Sub(float64(n))
}

func (f *Forwarder) drop(it *item, s signal, n int, reason string) {
	it.resolved[s] += n
	f.m.dropped.WithLabelValues(signalNames[s], reason).Add(float64(n))
	f.m.items.Sub(float64(n))
}

// finish closes an item's accounting; its queue slot was released by ack.
func (f *Forwarder) finish(it *item) {
	f.m.batches.Dec()
	f.m.bytes.Sub(float64(it.bytes))
}

// dropRemaining drops what is still unresolved in an item that leaves the
// queue without delivery.
func (f *Forwarder) dropRemaining(it *item, reason string) {
	for _, s := range signals {
		if n := it.unresolved()[s]; n > 0 {
			f.drop(it, s, n, reason)
		}
	}
	f.finish(it)
}
