package postgres

import (
	"strings"
	"time"

	"github.com/dbintel/dbintel/pkg/scrape"
)

// emitter writes points for enabled metrics only, turning cumulative
// counters into deltas.
type emitter struct {
	mb      *scrape.MetricsBuilder
	deltas  *scrape.Deltas
	now     time.Time
	enabled map[string]bool
}

func (e *emitter) on(m *def) bool { return e.enabled[m.Name] }

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

// counter emits the delta of a cumulative integer counter; the series key
// is the metric name plus its attribute values.
func (e *emitter) counter(m *def, v int64, attrs ...string) {
	if !e.on(m) {
		return
	}
	if d, start, ok := e.deltas.Observe(seriesKey(m, attrs), float64(v), e.now); ok {
		e.mb.Int(m.MetricDef, start, e.now, int64(d), attrs...)
	}
}

// counterFloat is counter for floating-point counters (times).
func (e *emitter) counterFloat(m *def, v float64, attrs ...string) {
	if !e.on(m) {
		return
	}
	if d, start, ok := e.deltas.Observe(seriesKey(m, attrs), v, e.now); ok {
		e.mb.Double(m.MetricDef, start, e.now, d, attrs...)
	}
}

// rawDelta returns the delta of a counter without emitting it (for ratios).
func (e *emitter) rawDelta(key string, v int64) (int64, bool) {
	d, _, ok := e.deltas.Observe(key, float64(v), e.now)
	return int64(d), ok
}

func seriesKey(m *def, attrs []string) string {
	return m.Name + "|" + strings.Join(attrs, "|")
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
