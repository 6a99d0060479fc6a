package cardinality

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/dbintel/dbintel/pkg/pipeline"
	"github.com/dbintel/dbintel/pkg/pipeline/dbkey"
	"github.com/hashicorp/golang-lru/v2/simplelru"
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

// Limiter is the cardinality protection stage. It is safe for concurrent
// use and holds its lock for one metric's look-ups at a time, never for a
// batch: hashing, the bulk of the work, runs before it, so two receivers'
// batches proceed on two cores.
type Limiter struct {
	cfg   Config
	clock func() time.Time
	m     *metrics

	mu      sync.Mutex
	names   *simplelru.LRU[uint64, *metricState] // by hash of the name: a key's size never depends on the input
	tracked int                                  // series remembered over all names
}

// metricState is one metric name's admitted series in the current window.
type metricState struct {
	window int64
	series map[uint64]struct{}
}

// New builds the stage. reg may be nil; clock is nil for time.Now.
func New(cfg Config, reg prometheus.Registerer, clock func() time.Time) (*Limiter, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("cardinality: %w", err)
	}
	if clock == nil {
		clock = time.Now
	}
	l := &Limiter{cfg: cfg, clock: clock, m: newMetrics(reg)}
	names, err := simplelru.NewLRU(cfg.MaxMetrics, func(_ uint64, st *metricState) {
		l.tracked -= len(st.series)
		l.m.evicted.Inc()
	})
	if err != nil {
		return nil, fmt.Errorf("cardinality: %w", err)
	}
	l.names = names
	return l, nil
}

// Process folds points of series beyond the limit into one overflow point
// per metric (per resource and scope), in place.
func (l *Limiter) Process(_ context.Context, b pipeline.Batch) (pipeline.Batch, error) {
	window := l.clock().UnixNano() / int64(l.cfg.Window)
	folded := 0
	g := gates.Get().(*gate)
	defer gates.Put(g)
	g.l, g.window = l, window
	for _, rm := range b.Metrics.ResourceMetrics().All() {
		g.res = dbkey.HashMap(dbkey.HashOffset, rm.Resource().Attributes())
		for _, sm := range rm.ScopeMetrics().All() {
			for _, m := range sm.Metrics().All() {
				if !g.decide(m) {
					folded += fold(m, g)
				}
			}
		}
	}
	l.m.folded.Add(float64(folded))
	l.mu.Lock()
	tracked := l.tracked
	l.mu.Unlock()
	l.m.tracked.Set(float64(tracked))
	return b, nil
}

// state returns the named metric's state in window. l.mu must be held.
func (l *Limiter) state(key uint64, window int64) *metricState {
	st, ok := l.names.Get(key)
	if !ok {
		st = &metricState{window: window, series: map[uint64]struct{}{}}
		l.names.Add(key, st)
	}
	if st.window != window {
		l.tracked -= len(st.series)
		st.window, st.series = window, map[uint64]struct{}{}
	}
	return st
}

// gates are reused across calls, with their scratch slices: a batch
// costs no allocation.
var gates = sync.Pool{New: func() any {
	g := &gate{}
	g.collect = g.hashPoint // bound once: a method value allocates
	return g
}}

// gate decides the series of one metric of one resource at a time.
type gate struct {
	l       *Limiter
	window  int64
	res     uint64   // hash of the resource attributes
	hashes  []uint64 // of the metric's points' series, in order
	collect func(dbkey.Point) bool
	ok      []bool // admitted, by point
	next    int    // the point admit answers for
}

// decide hashes the series of every point of m, then admits them in one
// critical section, and reports whether all were admitted. The current
// metric is the most recently used, so admitting its series never evicts
// it (Validate keeps max_tracked_series >= max_series_per_metric).
func (g *gate) decide(m pmetric.Metric) bool {
	g.hashes = g.hashes[:0]
	dbkey.RemovePointsIf(m, g.collect)
	g.ok, g.next = g.ok[:0], 0
	all := true
	l := g.l
	l.mu.Lock()
	st := l.state(dbkey.HashString(dbkey.HashOffset, m.Name()), g.window)
	for _, h := range g.hashes {
		ok := l.admit(st, h)
		g.ok = append(g.ok, ok)
		all = all && ok
	}
	l.mu.Unlock()
	return all
}

func (g *gate) hashPoint(p dbkey.Point) bool {
	g.hashes = append(g.hashes, dbkey.HashMap(g.res, p.Attrs))
	return false
}

// admit answers for the next point of the metric decide saw: fold visits
// the points in the same order.
func (g *gate) admit(pcommon.Map) bool {
	ok := g.ok[g.next]
	g.next++
	return ok
}

// admit reports whether the series is (or now becomes) one of the metric's
// admitted series. l.mu must be held.
func (l *Limiter) admit(st *metricState, h uint64) bool {
	if _, ok := st.series[h]; ok {
		return true
	}
	if len(st.series) >= l.cfg.MaxSeriesPerMetric {
		return false
	}
	st.series[h] = struct{}{}
	l.tracked++
	for l.tracked > l.cfg.MaxTrackedSeries {
		l.names.RemoveOldest()
	}
	return true
}

type metrics struct {
	folded  prometheus.Counter
	evicted prometheus.Counter
	tracked prometheus.Gauge
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		folded: prometheus.NewCounter(prometheus.CounterOpts{Namespace: "dbintel", Subsystem: "cardinality", Name: "folded_points_total",
			Help: "Data points of series beyond max_series_per_metric, folded into the otel.metric.overflow=true series."}),
		evicted: prometheus.NewCounter(prometheus.CounterOpts{Namespace: "dbintel", Subsystem: "cardinality", Name: "metrics_evicted_total",
			Help: "Metric names whose series were forgotten early (max_metrics or max_tracked_series reached)."}),
		tracked: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: "dbintel", Subsystem: "cardinality", Name: "tracked_series",
			Help: "Series remembered over all metric names."}),
	}
	if reg != nil {
		reg.MustRegister(m.folded, m.evicted, m.tracked)
	}
	return m
}
