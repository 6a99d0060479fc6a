package newrelic

import (
	"encoding/json"
	"fmt"
	"strconv"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

// Event is one New Relic record: its event type and attributes. Attribute
// values are string, float64 (every number), bool, or MetricValue (the
// value of a Metric record, under the metric's name).
type Event struct {
	Type  string
	Attrs map[string]any
}

// MetricValue is a metric value as New Relic stores it: the metric type
// decides which NRQL functions make sense on it.
type MetricValue struct {
	Type  string // gauge, count, cumulativeCount, distribution, summary
	Value float64
}

// Metric types (docs.newrelic.com, "OpenTelemetry metrics in New Relic":
// OTLP metric mapping).
const (
	TypeGauge           = "gauge"
	TypeCount           = "count"           // monotonic delta sum
	TypeCumulativeCount = "cumulativeCount" // monotonic cumulative sum
	TypeDistribution    = "distribution"    // histograms
	TypeSummary         = "summary"
)

// Attribute limits of New Relic's OTLP ingest: beyond them attributes are
// dropped, so a record over the limit loses data.
const (
	MaxMetricAttrs = 100
	MaxLogAttrs    = 255
)

// Ingest holds what New Relic made of the OTLP it received.
type Ingest struct {
	Events []Event
	// Dropped counts what New Relic would not store, by reason
	// (non-monotonic delta sums, attribute limits).
	Dropped map[string]int
}

// NewIngest returns an empty Ingest.
func NewIngest() *Ingest { return &Ingest{Dropped: map[string]int{}} }

// AddMetrics converts metrics the way New Relic's OTLP endpoint does: one
// Metric event per data point with resource, scope and point attributes
// flattened (point over scope over resource), otel.library.name/version
// from the scope, metricName, unit, timestamp (and endTimestamp for
// counts), and the value under the metric's name.
func (in *Ingest) AddMetrics(md pmetric.Metrics) {
	for i := 0; i < md.ResourceMetrics().Len(); i++ {
		rm := md.ResourceMetrics().At(i)
		for j := 0; j < rm.ScopeMetrics().Len(); j++ {
			sm := rm.ScopeMetrics().At(j)
			base := map[string]any{}
			flatten(base, "", rm.Resource().Attributes())
			flatten(base, "", sm.Scope().Attributes())
			scopeFields(base, sm.Scope())
			base["instrumentation.provider"] = "opentelemetry"
			base["newrelic.source"] = "api.metrics.otlp"
			for k := 0; k < sm.Metrics().Len(); k++ {
				in.addMetric(base, sm.Metrics().At(k))
			}
		}
	}
}

func (in *Ingest) addMetric(base map[string]any, m pmetric.Metric) {
	// emit stores one point; start and end are its interval (ms): New
	// Relic's timestamp and, for counts, endTimestamp.
	emit := func(attrs pcommon.Map, v MetricValue, start, end pcommon.Timestamp) {
		ev := Event{Type: "Metric", Attrs: make(map[string]any, len(base)+attrs.Len()+4)}
		for k, x := range base {
			ev.Attrs[k] = x
		}
		flatten(ev.Attrs, "", attrs)
		ev.Attrs["metricName"] = m.Name()
		if m.Unit() != "" {
			ev.Attrs["unit"] = m.Unit()
		}
		ev.Attrs[m.Name()] = v
		ev.Attrs["timestamp"] = float64(end.AsTime().UnixMilli())
		if v.Type == TypeCount || v.Type == TypeCumulativeCount {
			if start == 0 || start >= end {
				start = end
			}
			ev.Attrs["timestamp"] = float64(start.AsTime().UnixMilli())
			ev.Attrs["endTimestamp"] = float64(end.AsTime().UnixMilli())
		}
		if len(ev.Attrs) > MaxMetricAttrs {
			in.Dropped["metric over "+strconv.Itoa(MaxMetricAttrs)+" attributes: "+m.Name()]++
		}
		in.Events = append(in.Events, ev)
	}
	switch m.Type() {
	case pmetric.MetricTypeGauge:
		pts := m.Gauge().DataPoints()
		for i := 0; i < pts.Len(); i++ {
			emit(pts.At(i).Attributes(), MetricValue{Type: TypeGauge, Value: numberValue(pts.At(i))}, 0, pts.At(i).Timestamp())
		}
	case pmetric.MetricTypeSum:
		s := m.Sum()
		typ := TypeGauge // non-monotonic cumulative
		switch {
		case s.AggregationTemporality() == pmetric.AggregationTemporalityDelta && !s.IsMonotonic():
			in.Dropped["non-monotonic delta sum (unsupported by New Relic): "+m.Name()] += s.DataPoints().Len()
			return
		case s.AggregationTemporality() == pmetric.AggregationTemporalityDelta:
			typ = TypeCount
		case s.IsMonotonic():
			typ = TypeCumulativeCount
		}
		pts := s.DataPoints()
		for i := 0; i < pts.Len(); i++ {
			emit(pts.At(i).Attributes(), MetricValue{Type: typ, Value: numberValue(pts.At(i))}, pts.At(i).StartTimestamp(), pts.At(i).Timestamp())
		}
	case pmetric.MetricTypeHistogram:
		pts := m.Histogram().DataPoints()
		for i := 0; i < pts.Len(); i++ {
			emit(pts.At(i).Attributes(), MetricValue{Type: TypeDistribution, Value: pts.At(i).Sum()}, 0, pts.At(i).Timestamp())
		}
	case pmetric.MetricTypeExponentialHistogram:
		pts := m.ExponentialHistogram().DataPoints()
		for i := 0; i < pts.Len(); i++ {
			emit(pts.At(i).Attributes(), MetricValue{Type: TypeDistribution, Value: pts.At(i).Sum()}, 0, pts.At(i).Timestamp())
		}
	case pmetric.MetricTypeSummary:
		pts := m.Summary().DataPoints()
		for i := 0; i < pts.Len(); i++ {
			emit(pts.At(i).Attributes(), MetricValue{Type: TypeSummary, Value: pts.At(i).Sum()}, 0, pts.At(i).Timestamp())
		}
	}
}

func numberValue(dp pmetric.NumberDataPoint) float64 {
	if dp.ValueType() == pmetric.NumberDataPointValueTypeInt {
		return float64(dp.IntValue())
	}
	return dp.DoubleValue()
}

func scopeFields(dst map[string]any, s pcommon.InstrumentationScope) {
	if s.Name() != "" {
		dst["otel.library.name"] = s.Name()
	}
	if s.Version() != "" {
		dst["otel.library.version"] = s.Version()
	}
}

// flatten copies OTLP attributes into dst; maps nest with dots, as New
// Relic flattens them; arrays become their JSON text.
func flatten(dst map[string]any, prefix string, m pcommon.Map) {
	m.Range(func(k string, v pcommon.Value) bool {
		put(dst, prefix+k, v)
		return true
	})
}

func put(dst map[string]any, key string, v pcommon.Value) {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		dst[key] = v.Str()
	case pcommon.ValueTypeInt:
		dst[key] = float64(v.Int())
	case pcommon.ValueTypeDouble:
		dst[key] = v.Double()
	case pcommon.ValueTypeBool:
		dst[key] = v.Bool()
	case pcommon.ValueTypeMap:
		flatten(dst, key+".", v.Map())
	case pcommon.ValueTypeEmpty:
	default:
		dst[key] = v.AsString()
	}
}

// putJSON flattens a decoded JSON object into dst.
func putJSON(dst map[string]any, prefix string, obj map[string]any) {
	for k, v := range obj {
		switch x := v.(type) {
		case map[string]any:
			putJSON(dst, prefix+k+".", x)
		case []any:
			b, _ := json.Marshal(x)
			dst[prefix+k] = string(b)
		case nil:
		default:
			dst[prefix+k] = x
		}
	}
}

// String renders an event for failure messages.
func (e Event) String() string { return fmt.Sprintf("%s%v", e.Type, e.Attrs) }

// FromLogs is a convenience: the events of logs alone.
func FromLogs(ld plog.Logs) []Event {
	in := NewIngest()
	in.AddLogs(ld)
	return in.Events
}
