package postgres

import (
	"strings"
	"time"

	"github.com/dbintel/dbintel/pkg/scrape"
)

// maxRatioSeries bounds the delta table behind interval ratios.
const maxRatioSeries = 10_000

// newCounters is the counter table of a collector: cumulative or delta as
// the target says, its cumulative series starting now (the scraper's start).
func newCounters(t scrape.Target, max int) *scrape.Deltas {
	return scrape.NewCounters(max, t.Temporality, time.Now())
}

// emitter writes points for enabled metrics only, under one resource of
// the builder (the server's, or a database's, table's or index's: see at).
type emitter struct {
	mb      *scrape.MetricsBuilder
	deltas  *scrape.Deltas // counters, in the target's temporality
	ratios  *scrape.Deltas // always deltas: ratios of the interval
	now     time.Time
	enabled map[string]bool
}

func (e *emitter) on(m *def) bool { return e.enabled[m.Name] }

// at returns an emitter writing under the sub-resource with the resource
// attributes res (the Collector receiver's per-database, per-table and
// per-index layout).
func (e *emitter) at(res ...string) *emitter {
	c := *e
	c.mb = e.mb.For(res...)
	return &c
}

// value emits a gauge or up-down sum.
func (e *emitter) value(m *def, v int64, attrs ...string) {
	if e.on(m) {
		e.mb.Int(m.MetricDef, time.Time{}, e.now, v, attrs...)
	}
}

// float emits a floating-point gauge.
func (e *emitter) float(m *def, v float64, attrs ...string) {
	if e.on(m) {
		e.mb.Double(m.MetricDef, time.Time{}, e.now, v, attrs...)
	}
}

// counter emits a cumulative integer counter in the configured
// temporality; the series key is the metric name plus its resource and
// point attribute values.
func (e *emitter) counter(m *def, v int64, attrs ...string) {
	if !e.on(m) {
		return
	}
	if d, start, ok := e.deltas.Observe(e.seriesKey(m, attrs), float64(v), e.now); ok {
		e.mb.Int(m.MetricDef, start, e.now, int64(d), attrs...)
	}
}

// counterFloat is counter for floating-point counters (times).
func (e *emitter) counterFloat(m *def, v float64, attrs ...string) {
	if !e.on(m) {
		return
	}
	if d, start, ok := e.deltas.Observe(e.seriesKey(m, attrs), v, e.now); ok {
		e.mb.Double(m.MetricDef, start, e.now, d, attrs...)
	}
}

// rawDelta returns the interval's delta of a counter without emitting it
// (for ratios), whatever the temporality.
func (e *emitter) rawDelta(key string, v int64) (int64, bool) {
	if e.ratios == nil {
		return 0, false
	}
	d, _, ok := e.ratios.Observe(key, float64(v), e.now)
	return int64(d), ok
}

func (e *emitter) seriesKey(m *def, attrs []string) string {
	return m.Name + "|" + e.mb.ResourceKey() + "|" + strings.Join(attrs, "|")
}

// enabledMetrics applies the user's overrides to the default set.
func enabledMetrics(overrides map[string]MetricToggle) map[string]bool {
	out := make(map[string]bool, len(allDefs))
	for _, d := range allDefs {
		out[d.Name] = d.on
	}
	for name, t := range overrides {
		out[name] = t.Enabled
	}
	return out
}
