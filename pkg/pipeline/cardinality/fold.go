package cardinality

import (
	"github.com/dbintel/dbintel/pkg/contract"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

// fold keeps the points whose series g admitted (g.decide found one it did
// not). The first refused point of the metric becomes the overflow point
// (its attributes replaced by otel.metric.overflow=true); later refused
// points are merged into it and removed, so sums, counts and histograms
// keep their totals. It returns the number of refused points.
func fold(m pmetric.Metric, g *gate) int {
	switch m.Type() {
	case pmetric.MetricTypeGauge:
		return foldNumbers(m.Gauge().DataPoints(), g, false)
	case pmetric.MetricTypeSum:
		return foldNumbers(m.Sum().DataPoints(), g, true)
	case pmetric.MetricTypeHistogram:
		return foldInto(m.Histogram().DataPoints(), g, pmetric.HistogramDataPoint.Attributes, mergeHistogram)
	case pmetric.MetricTypeExponentialHistogram:
		return foldInto(m.ExponentialHistogram().DataPoints(), g, pmetric.ExponentialHistogramDataPoint.Attributes, mergeExponential)
	case pmetric.MetricTypeSummary:
		return foldInto(m.Summary().DataPoints(), g, pmetric.SummaryDataPoint.Attributes, mergeSummary)
	}
	return 0
}

// points is what every pdata data point slice offers.
type points[P any] interface {
	RemoveIf(func(P) bool)
}

func foldInto[P any, S points[P]](dps S, g *gate, attrs func(P) pcommon.Map, merge func(into, from P)) int {
	var carrier P
	n := 0
	dps.RemoveIf(func(p P) bool {
		if g.admit(attrs(p)) {
			return false
		}
		n++
		if n == 1 {
			carrier = p
			a := attrs(p)
			a.Clear()
			a.PutBool(contract.AttrMetricOverflow, true)
			return false
		}
		merge(carrier, p)
		return true
	})
	return n
}

func foldNumbers(dps pmetric.NumberDataPointSlice, g *gate, isSum bool) int {
	merge := func(c, p pmetric.NumberDataPoint) {
		later := p.Timestamp() >= c.Timestamp()
		times(c, p)
		switch {
		case isSum:
			addNumber(c, p)
		case later: // a gauge's overflow shows the latest folded value
			if p.ValueType() == pmetric.NumberDataPointValueTypeInt {
				c.SetIntValue(p.IntValue())
			} else {
				c.SetDoubleValue(p.DoubleValue())
			}
		}
	}
	return foldInto(dps, g, pmetric.NumberDataPoint.Attributes, merge)
}

func addNumber(c, p pmetric.NumberDataPoint) {
	if c.ValueType() == pmetric.NumberDataPointValueTypeInt && p.ValueType() == pmetric.NumberDataPointValueTypeInt {
		c.SetIntValue(c.IntValue() + p.IntValue())
		return
	}
	c.SetDoubleValue(asDouble(c) + asDouble(p))
}

func asDouble(p pmetric.NumberDataPoint) float64 {
	if p.ValueType() == pmetric.NumberDataPointValueTypeInt {
		return float64(p.IntValue())
	}
	return p.DoubleValue()
}

// timed is what every data point offers for its times.
type timed interface {
	StartTimestamp() pcommon.Timestamp
	Timestamp() pcommon.Timestamp
	SetStartTimestamp(pcommon.Timestamp)
	SetTimestamp(pcommon.Timestamp)
}

// times widens c's interval to cover p's.
func times[P timed](c, p P) {
	if s := p.StartTimestamp(); s != 0 && (c.StartTimestamp() == 0 || s < c.StartTimestamp()) {
		c.SetStartTimestamp(s)
	}
	if p.Timestamp() > c.Timestamp() {
		c.SetTimestamp(p.Timestamp())
	}
}

func mergeHistogram(c, p pmetric.HistogramDataPoint) {
	times(c, p)
	if sameFloats(c.ExplicitBounds(), p.ExplicitBounds()) && c.BucketCounts().Len() == p.BucketCounts().Len() {
		addCounts(c.BucketCounts(), p.BucketCounts())
	} else {
		// Different bucket layouts cannot be added; count and sum still can.
		c.ExplicitBounds().FromRaw(nil)
		c.BucketCounts().FromRaw(nil)
	}
	c.SetCount(c.Count() + p.Count())
	if p.HasSum() {
		c.SetSum(c.Sum() + p.Sum())
	}
	if p.HasMin() && (!c.HasMin() || p.Min() < c.Min()) {
		c.SetMin(p.Min())
	}
	if p.HasMax() && (!c.HasMax() || p.Max() > c.Max()) {
		c.SetMax(p.Max())
	}
}

func mergeExponential(c, p pmetric.ExponentialHistogramDataPoint) {
	times(c, p)
	if c.Scale() == p.Scale() && sameLayout(c.Positive(), p.Positive()) && sameLayout(c.Negative(), p.Negative()) {
		addCounts(c.Positive().BucketCounts(), p.Positive().BucketCounts())
		addCounts(c.Negative().BucketCounts(), p.Negative().BucketCounts())
	} else {
		c.Positive().BucketCounts().FromRaw(nil)
		c.Negative().BucketCounts().FromRaw(nil)
	}
	c.SetZeroCount(c.ZeroCount() + p.ZeroCount())
	c.SetCount(c.Count() + p.Count())
	if p.HasSum() {
		c.SetSum(c.Sum() + p.Sum())
	}
	if p.HasMin() && (!c.HasMin() || p.Min() < c.Min()) {
		c.SetMin(p.Min())
	}
	if p.HasMax() && (!c.HasMax() || p.Max() > c.Max()) {
		c.SetMax(p.Max())
	}
}

func mergeSummary(c, p pmetric.SummaryDataPoint) {
	times(c, p)
	c.SetCount(c.Count() + p.Count())
	c.SetSum(c.Sum() + p.Sum())
	// Quantiles of different series cannot be combined.
	c.QuantileValues().RemoveIf(func(pmetric.SummaryDataPointValueAtQuantile) bool { return true })
}

func sameLayout(a, b pmetric.ExponentialHistogramDataPointBuckets) bool {
	return a.Offset() == b.Offset() && a.BucketCounts().Len() == b.BucketCounts().Len()
}

func sameFloats(a, b pcommon.Float64Slice) bool {
	if a.Len() != b.Len() {
		return false
	}
	for i := range a.Len() {
		if a.At(i) != b.At(i) {
			return false
		}
	}
	return true
}

func addCounts(into, from pcommon.UInt64Slice) {
	for i := range into.Len() {
		into.SetAt(i, into.At(i)+from.At(i))
	}
}
