package scrape

import (
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/dbintel/dbintel/pkg/contract"
	"github.com/dbintel/dbintel/pkg/pipeline"
)

// Kind is the OTLP shape of a metric.
type Kind int

// Metric kinds. Counter values come from a table built by NewCounters with
// the target's temporality (scrape.temporality), and the metric is marked
// accordingly. Up-down values stay cumulative sums, as in the OpenTelemetry
// Collector receivers whose names we reuse.
const (
	Gauge Kind = iota
	Counter
	UpDownSum
)

// MetricDef describes one metric.
type MetricDef struct {
	Name, Unit, Description string
	Kind                    Kind
}

// MetricsBuilder accumulates the points of one collector run under the
// target's resource (or a sub-resource, see For) and scope.
type MetricsBuilder struct {
	md     pmetric.Metrics
	target Target
	scope  string
	sm     pmetric.ScopeMetrics
	byName map[string]pmetric.NumberDataPointSlice
	subs   map[string]*MetricsBuilder // by resource attributes (root builder only)
	root   *MetricsBuilder            // nil in the root builder
	key    string                     // this sub-builder's resource attributes, joined
}

// NewMetricsBuilder starts a metrics payload for target under the scope
// named scope (contract.ScopePostgreSQL, contract.ScopeMySQL).
func NewMetricsBuilder(t Target, scope string) *MetricsBuilder {
	b := &MetricsBuilder{md: pmetric.NewMetrics(), target: t, scope: scope, subs: map[string]*MetricsBuilder{}}
	b.sm = b.newResource(nil)
	b.byName = map[string]pmetric.NumberDataPointSlice{}
	return b
}

func (b *MetricsBuilder) newResource(attrs []string) pmetric.ScopeMetrics {
	rm := b.md.ResourceMetrics().AppendEmpty()
	b.target.FillResource(rm.Resource())
	for i := 0; i+1 < len(attrs); i += 2 {
		rm.Resource().Attributes().PutStr(attrs[i], attrs[i+1])
	}
	sm := rm.ScopeMetrics().AppendEmpty()
	b.target.FillScope(sm.Scope(), b.scope)
	return sm
}

// For returns the builder of the sub-resource that adds attrs (key, value
// pairs) to the target's resource attributes: the Collector receivers' layout
// for per-database, per-table and per-index metrics
// (postgresql.database.name, postgresql.table.name, ...). Resources do not
// nest: For on a sub-builder is For on its root.
func (b *MetricsBuilder) For(attrs ...string) *MetricsBuilder {
	if b.root != nil {
		return b.root.For(attrs...)
	}
	key := strings.Join(attrs, "\x00")
	if s, ok := b.subs[key]; ok {
		return s
	}
	s := &MetricsBuilder{md: b.md, target: b.target, scope: b.scope, root: b, key: key, byName: map[string]pmetric.NumberDataPointSlice{}}
	s.sm = b.newResource(attrs)
	b.subs[key] = s
	return s
}

// ResourceKey identifies the builder's sub-resource ("" for the target's
// own), for keying series state.
func (b *MetricsBuilder) ResourceKey() string { return b.key }

func (b *MetricsBuilder) points(d MetricDef) pmetric.NumberDataPointSlice {
	if dps, ok := b.byName[d.Name]; ok {
		return dps
	}
	m := b.sm.Metrics().AppendEmpty()
	m.SetName(d.Name)
	m.SetUnit(d.Unit)
	m.SetDescription(d.Description)
	var dps pmetric.NumberDataPointSlice
	switch d.Kind {
	case Gauge:
		dps = m.SetEmptyGauge().DataPoints()
	case Counter:
		s := m.SetEmptySum()
		s.SetIsMonotonic(true)
		s.SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
		if b.target.Temporality == Delta {
			s.SetAggregationTemporality(pmetric.AggregationTemporalityDelta)
		}
		dps = s.DataPoints()
	case UpDownSum:
		s := m.SetEmptySum()
		s.SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
		dps = s.DataPoints()
	}
	b.byName[d.Name] = dps
	return dps
}

// Int adds an integer point. start is the start of a sum's window (zero for
// gauges); attrs are key, value pairs.
func (b *MetricsBuilder) Int(d MetricDef, start, ts time.Time, v int64, attrs ...string) {
	dp := b.newPoint(d, start, ts, attrs)
	dp.SetIntValue(v)
}

// Double adds a floating-point point.
func (b *MetricsBuilder) Double(d MetricDef, start, ts time.Time, v float64, attrs ...string) {
	dp := b.newPoint(d, start, ts, attrs)
	dp.SetDoubleValue(v)
}

func (b *MetricsBuilder) newPoint(d MetricDef, start, ts time.Time, attrs []string) pmetric.NumberDataPoint {
	dp := b.points(d).AppendEmpty()
	if !start.IsZero() {
		dp.SetStartTimestamp(pcommon.NewTimestampFromTime(start))
	}
	dp.SetTimestamp(pcommon.NewTimestampFromTime(ts))
	for i := 0; i+1 < len(attrs); i += 2 {
		dp.Attributes().PutStr(attrs[i], attrs[i+1])
	}
	return dp
}

// Metrics returns what was built, without resources that got no point.
func (b *MetricsBuilder) Metrics() pmetric.Metrics {
	b.md.ResourceMetrics().RemoveIf(func(rm pmetric.ResourceMetrics) bool {
		sms := rm.ScopeMetrics()
		return sms.Len() == 0 || sms.At(0).Metrics().Len() == 0
	})
	return b.md
}

// LogsBuilder accumulates the events of one collector run under the
// target's resource and scope.
type LogsBuilder struct {
	target Target
	ld     plog.Logs
	lrs    plog.LogRecordSlice
}

// NewLogsBuilder starts a logs payload for target under the scope named
// scope.
func NewLogsBuilder(t Target, scope string) *LogsBuilder {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	t.FillResource(rl.Resource())
	sl := rl.ScopeLogs().AppendEmpty()
	t.FillScope(sl.Scope(), scope)
	return &LogsBuilder{target: t, ld: ld, lrs: sl.LogRecords()}
}

// Event appends an event record named name (a contract.Event*) at ts for
// database namespace ("" = server-wide); the caller fills attributes. As
// New Relic's receivers do, the record carries db.system.name and
// db.namespace itself, and the body stays empty.
func (b *LogsBuilder) Event(namespace, name string, ts time.Time) plog.LogRecord {
	lr := b.lrs.AppendEmpty()
	lr.SetEventName(name)
	lr.SetTimestamp(pcommon.NewTimestampFromTime(ts))
	lr.SetObservedTimestamp(pcommon.NewTimestampFromTime(ts))
	lr.SetSeverityNumber(plog.SeverityNumberInfo)
	lr.SetSeverityText("INFO")
	lr.Attributes().PutStr(contract.AttrDBSystem, b.target.dbSystem())
	if namespace != "" {
		lr.Attributes().PutStr(contract.AttrNamespace, namespace)
	}
	return lr
}

// Len is the number of events so far.
func (b *LogsBuilder) Len() int { return b.lrs.Len() }

// Logs returns what was built.
func (b *LogsBuilder) Logs() plog.Logs { return b.ld }

// Batch combines metrics and logs builders (either may be nil) into a batch.
func Batch(mb *MetricsBuilder, lb *LogsBuilder) pipeline.Batch {
	out := pipeline.NewBatch()
	if mb != nil && mb.md.DataPointCount() > 0 {
		out.Metrics = mb.Metrics()
	}
	if lb != nil && lb.Len() > 0 {
		out.Logs = lb.ld
	}
	return out
}
