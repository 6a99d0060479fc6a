// Package memlimit refuses data while the heap is above a limit, so the
// gateway slows its senders down instead of running out of memory. It acts on
// whole batches of every signal; it never drops: a refusal goes back to the
// sender as a retryable error (UNAVAILABLE / 503 with a retry hint).
package memlimit

import (
	"context"
	"runtime"
	"runtime/metrics"
	"sync"
	"time"

	"github.com/dbintel/dbintel/pkg/pipeline"
	"github.com/prometheus/client_golang/prometheus"
)

// Limiter is the memory limiter stage.
type Limiter struct {
	soft, hard uint64
	cfg        Config
	now        func() time.Time
	readHeap   func() uint64
	collect    func()

	mu        sync.Mutex
	checkedAt time.Time
	heap      uint64
	lastGC    time.Time
	// collecting is true while one caller forces a GC outside mu.
	collecting bool

	heapGauge prometheus.Gauge
	refusals  prometheus.Counter
	forcedGCs prometheus.Counter
}

// New builds a limiter. reg may be nil.
func New(cfg Config, reg prometheus.Registerer) (*Limiter, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	l := &Limiter{
		soft: uint64(cfg.SoftLimitMiB) << 20, hard: uint64(cfg.HardLimitMiB) << 20, cfg: cfg, now: time.Now, readHeap: readHeap, collect: runtime.GC,
		heapGauge: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: "dbintel", Subsystem: "memlimit", Name: "heap_bytes",
			Help: "Live heap as last read by the memory limiter."}),
		refusals: prometheus.NewCounter(prometheus.CounterOpts{Namespace: "dbintel", Subsystem: "memlimit", Name: "refusals_total",
			Help: "Batches refused because the heap was above the soft limit."}),
		forcedGCs: prometheus.NewCounter(prometheus.CounterOpts{Namespace: "dbintel", Subsystem: "memlimit", Name: "forced_gc_total",
			Help: "Garbage collections forced because the heap was above the soft limit."}),
	}
	if reg != nil {
		reg.MustRegister(l.heapGauge, l.refusals, l.forcedGCs)
	}
	return l, nil
}

// Process passes b through, or refuses it while the heap is above the soft limit.
func (l *Limiter) Process(_ context.Context, b pipeline.Batch) (pipeline.Batch, error) {
	if l.heapBytes() < l.soft {
		return b, nil
	}
	l.refusals.Inc()
	return b, pipeline.Refused("memory", l.cfg.RetryAfter)
}

// heapBytes reads the heap at most once per check interval: the read is cheap
// but not free, and a batch-rate read would show up in profiles.
func (l *Limiter) heapBytes() uint64 {
	l.mu.Lock()
	now := l.now()
	if now.Sub(l.checkedAt) < l.cfg.CheckInterval {
		defer l.mu.Unlock()
		return l.heap
	}
	l.checkedAt = now
	l.heap = l.readHeap()
	heap := l.heap
	// The reading counts garbage not yet collected. Above the soft limit it
	// may be most of the heap, and while every batch is refused nothing
	// allocates, so the runtime would not collect it for minutes: collect it
	// now, at most once a second. One forced GC at a time, outside the lock:
	// other callers answer from the last reading.
	gc := heap >= l.soft && now.Sub(l.lastGC) >= time.Second && !l.collecting
	if gc {
		l.lastGC, l.collecting = now, true
	}
	l.heapGauge.Set(float64(heap))
	l.mu.Unlock()
	if !gc {
		return heap
	}
	l.collect()
	l.forcedGCs.Inc()
	heap = l.readHeap()
	l.mu.Lock()
	l.heap, l.collecting = heap, false
	l.heapGauge.Set(float64(heap))
	l.mu.Unlock()
	return heap
}

var heapSample = "/memory/classes/heap/objects:bytes"

func readHeap() uint64 {
	s := []metrics.Sample{{Name: heapSample}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}
