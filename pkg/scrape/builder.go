package scrape

import (
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/dbintel/dbintel/pkg/pipeline"
)

// Kind is the OTLP shape of a metric.
type Kind int

// Metric kinds. Monotonic counters are sent as delta sums (New Relic's
// preferred temporality); up-down values stay cumulative sums, as in the
// OpenTelemetry Collector receivers whose names we reuse.
const (
	Gauge Kind = iota
	DeltaSum
	UpDownSum
)

// MetricDef describes one metric.
type MetricDef struct {
	Name, Unit, Description string
	Kind                    Kind
}

// MetricsBuilder accumulates the points of one collector run under one
// resource (the target) and one scope.
type MetricsBuilder struct {
	md     pmetric.Metrics
	sm     pmetric.ScopeMetrics
	byName map[string]pmetric.NumberDataPointSlice
}

// NewMetricsBuilder starts a metrics payload for target.
func NewMetricsBuilder(t Target, scope string) *MetricsBuilder {
	md := pmetric.NewMetrics()
	rm := md.ResourceMetrics().AppendEmpty()
	t.FillResource(rm.Resource())
	sm := rm.ScopeMetrics().AppendEmpty()
	sm.Scope().SetName(scope)
	return &MetricsBuilder{md: md, sm: sm, byName: map[string]pmetric.NumberDataPointSlice{}}
}

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
	case DeltaSum:
		s := m.SetEmptySum()
		s.SetIsMonotonic(true)
		s.SetAggregationTemporality(pmetric.AggregationTemporalityDelta)
		dps = s.DataPoints()
	case UpDownSum:
		s := m.SetEmptySum()
		s.SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
		dps = s.DataPoints()
	}
	b.byName[d.Name] = dps
	return dps
}

// Int adds an integer point. start is the start of a delta window (zero for
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

// Metrics returns what was built.
func (b *MetricsBuilder) Metrics() pmetric.Metrics { return b.md }

// LogsBuilder accumulates the events of one collector run. Events about
// one database go under a resource that also carries db.namespace, so the
// gateway can tell databases apart (budgets, breakers) from the resource.
type LogsBuilder struct {
	target Target
	scope  string
	ld     plog.Logs
	byNS   map[string]plog.LogRecordSlice
}

// NewLogsBuilder starts a logs payload for target.
func NewLogsBuilder(t Target, scope string) *LogsBuilder {
	return &LogsBuilder{target: t, scope: scope, ld: plog.NewLogs(), byNS: map[string]plog.LogRecordSlice{}}
}

// Event appends an event record named name (db.server.top_query, ...) at ts
// for database namespace ("" = server-wide); the caller fills attributes
// and body. namespace is also set as a record attribute.
func (b *LogsBuilder) Event(namespace, name string, ts time.Time) plog.LogRecord {
	lrs, ok := b.byNS[namespace]
	if !ok {
		rl := b.ld.ResourceLogs().AppendEmpty()
		b.target.FillResource(rl.Resource())
		if namespace != "" {
			rl.Resource().Attributes().PutStr("db.namespace", namespace)
		}
		sl := rl.ScopeLogs().AppendEmpty()
		sl.Scope().SetName(b.scope)
		lrs = sl.LogRecords()
		b.byNS[namespace] = lrs
	}
	lr := lrs.AppendEmpty()
	lr.SetEventName(name)
	lr.SetTimestamp(pcommon.NewTimestampFromTime(ts))
	lr.SetObservedTimestamp(pcommon.NewTimestampFromTime(ts))
	lr.SetSeverityNumber(plog.SeverityNumberInfo)
	lr.SetSeverityText("INFO")
	if namespace != "" {
		lr.Attributes().PutStr("db.namespace", namespace)
	}
	return lr
}

// Len is the number of events so far.
func (b *LogsBuilder) Len() int { return b.ld.LogRecordCount() }

// Logs returns what was built.
func (b *LogsBuilder) Logs() plog.Logs { return b.ld }

// Batch combines metrics and logs builders (either may be nil) into a batch.
func Batch(mb *MetricsBuilder, lb *LogsBuilder) pipeline.Batch {
	out := pipeline.NewBatch()
	if mb != nil && mb.md.DataPointCount() > 0 {
		out.Metrics = mb.md
	}
	if lb != nil && lb.Len() > 0 {
		out.Logs = lb.ld
	}
	return out
}
