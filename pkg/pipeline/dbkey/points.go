package dbkey

import (
	"github.com/dbintel/dbintel/pkg/pipeline"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

// Point is a read view of one data point of any metric type, so stages can
// judge points without a switch on the metric type each.
type Point struct {
	Attrs     pcommon.Map
	Timestamp pcommon.Timestamp
	// Value is the number a condition compares: the value of a gauge or sum
	// point, the mean (sum/count) of a histogram or summary point. HasValue
	// is false when there is none (an empty histogram).
	Value    float64
	HasValue bool
}

// RemovePointsIf calls drop for every data point of m and removes those for
// which it returns true. It returns the number of points left.
func RemovePointsIf(m pmetric.Metric, drop func(Point) bool) int {
	switch m.Type() {
	case pmetric.MetricTypeGauge:
		return removeNumber(m.Gauge().DataPoints(), drop)
	case pmetric.MetricTypeSum:
		return removeNumber(m.Sum().DataPoints(), drop)
	case pmetric.MetricTypeHistogram:
		dps := m.Histogram().DataPoints()
		dps.RemoveIf(func(p pmetric.HistogramDataPoint) bool {
			return drop(Point{Attrs: p.Attributes(), Timestamp: p.Timestamp(), Value: mean(p.Sum(), p.Count()), HasValue: p.HasSum() && p.Count() > 0})
		})
		return dps.Len()
	case pmetric.MetricTypeExponentialHistogram:
		dps := m.ExponentialHistogram().DataPoints()
		dps.RemoveIf(func(p pmetric.ExponentialHistogramDataPoint) bool {
			return drop(Point{Attrs: p.Attributes(), Timestamp: p.Timestamp(), Value: mean(p.Sum(), p.Count()), HasValue: p.HasSum() && p.Count() > 0})
		})
		return dps.Len()
	case pmetric.MetricTypeSummary:
		dps := m.Summary().DataPoints()
		dps.RemoveIf(func(p pmetric.SummaryDataPoint) bool {
			return drop(Point{Attrs: p.Attributes(), Timestamp: p.Timestamp(), Value: mean(p.Sum(), p.Count()), HasValue: p.Count() > 0})
		})
		return dps.Len()
	}
	return 0
}

func removeNumber(dps pmetric.NumberDataPointSlice, drop func(Point) bool) int {
	dps.RemoveIf(func(p pmetric.NumberDataPoint) bool {
		v, ok := NumberValue(p)
		return drop(Point{Attrs: p.Attributes(), Timestamp: p.Timestamp(), Value: v, HasValue: ok})
	})
	return dps.Len()
}

// NumberValue returns a number point's value as float64.
func NumberValue(p pmetric.NumberDataPoint) (float64, bool) {
	switch p.ValueType() {
	case pmetric.NumberDataPointValueTypeDouble:
		return p.DoubleValue(), true
	case pmetric.NumberDataPointValueTypeInt:
		return float64(p.IntValue()), true
	}
	return 0, false
}

func mean(sum float64, count uint64) float64 {
	if count == 0 {
		return 0
	}
	return sum / float64(count)
}

// RemoveEmptyMetrics drops metrics without points, then scopes and resources
// without metrics, so a stage that removed points leaves no empty shells for
// the backend to reject.
func RemoveEmptyMetrics(md pmetric.Metrics) {
	md.ResourceMetrics().RemoveIf(func(rm pmetric.ResourceMetrics) bool {
		rm.ScopeMetrics().RemoveIf(func(sm pmetric.ScopeMetrics) bool {
			sm.Metrics().RemoveIf(func(m pmetric.Metric) bool { return pipeline.PointCount(m) == 0 })
			return sm.Metrics().Len() == 0
		})
		return rm.ScopeMetrics().Len() == 0
	})
}
