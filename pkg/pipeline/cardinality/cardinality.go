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
)

// Limiter is the cardinality protection stage. It is safe for concurrent
// use: one lock guards its state for the length of a batch.
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
	l.mu.Lock()
	defer l.mu.Unlock()
	folded := 0
	for _, rm := range b.Metrics.ResourceMetrics().All() {
		resHash := dbkey.HashMap(dbkey.HashOffset, rm.Resource().Attributes())
		for _, sm := range rm.ScopeMetrics().All() {
			for _, m := range sm.Metrics().All() {
				folded += fold(m, gate{l: l, st: l.state(m.Name(), window), res: resHash})
			}
		}
	}
	l.m.folded.Add(float64(folded))
	l.m.tracked.Set(float64(l.tracked))
	return b, nil
}

func (l *Limiter) state(name string, window int64) *metricState {
	key := dbkey.HashString(dbkey.HashOffset, name)
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

// gate admits the series of one metric of one resource.
type gate struct {
	l   *Limiter
	st  *metricState
	res uint64
}

func (g gate) admit(attrs pcommon.Map) bool { return g.l.admit(g.st, dbkey.HashMap(g.res, attrs)) }

// admit reports whether the series is (or now becomes) one of the metric's
// admitted series.
func (l *Limiter) admit(st *metricState, h uint64) bool {
	if _, ok := st.series[h]; ok {
		return true
	}
	if len(st.series) >= l.cfg.MaxSeriesPerMetric {
		return false
	}
	st.series[h] = struct{}{}
	l.tracked++
	// The current name is the most recently used, so it is evicted last;
	// Validate keeps max_tracked_series >= max_series_per_metric.
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
