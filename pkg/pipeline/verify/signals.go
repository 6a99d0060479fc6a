package verify

import (
	"math"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/dbintel/dbintel/pkg/contract"
	"github.com/dbintel/dbintel/pkg/sqlmask"
)

// window is New Relic's accepted time range for this batch.
type window struct {
	now, lo, hi pcommon.Timestamp
}

func (v *Verifier) window() window {
	now := v.now()
	return window{now: pcommon.NewTimestampFromTime(now), lo: pcommon.NewTimestampFromTime(now.Add(-v.q.PastWindow)),
		hi: pcommon.NewTimestampFromTime(now.Add(v.q.FutureWindow))}
}

// outside reports (and counts) a timestamp out of the window; zero means
// "unset" and is left for the backend to fill in.
func (v *Verifier) outside(ts pcommon.Timestamp, w window, count bool) bool {
	switch {
	case ts == 0:
		return false
	case ts < w.lo:
		if count {
			v.m.fix(fixTooOld)
		}
		return true
	case ts > w.hi:
		if count {
			v.m.fix(fixTooNew)
		}
		return true
	}
	return false
}

const planEvent = contract.EventQueryPlan

// noExemplars stands in for summaries, which have none; it is never written.
var noExemplars = pmetric.NewExemplarSlice()

func (v *Verifier) metrics(md pmetric.Metrics, w window) {
	md.ResourceMetrics().RemoveIf(func(rm pmetric.ResourceMetrics) bool {
		res := rm.Resource().Attributes()
		d := dialect(res)
		if v.attrs(res, 0, d) {
			return true
		}
		rm.ScopeMetrics().RemoveIf(func(sm pmetric.ScopeMetrics) bool {
			if v.attrs(sm.Scope().Attributes(), 0, d) {
				return true
			}
			sm.Metrics().RemoveIf(func(m pmetric.Metric) bool { return v.metric(m, d, w) })
			return sm.Metrics().Len() == 0
		})
		return rm.ScopeMetrics().Len() == 0
	})
}

// metric verifies the points of m and reports whether none is left.
func (v *Verifier) metric(m pmetric.Metric, d dbms, w window) bool {
	point := func(attrs pcommon.Map, ts pcommon.Timestamp, ex pmetric.ExemplarSlice) bool {
		if v.outside(ts, w, true) || v.attrs(attrs, v.q.MaxPointAttrs, d) {
			return true
		}
		for i := 0; i < ex.Len(); i++ { // exemplars carry attributes of the measurement (user ids, urls)
			if v.attrs(ex.At(i).FilteredAttributes(), 0, d) {
				return true
			}
		}
		return false
	}
	switch m.Type() {
	case pmetric.MetricTypeGauge:
		dps := m.Gauge().DataPoints()
		dps.RemoveIf(func(p pmetric.NumberDataPoint) bool {
			return v.badNumber(p, false) || point(p.Attributes(), p.Timestamp(), p.Exemplars())
		})
		return dps.Len() == 0
	case pmetric.MetricTypeSum:
		s := m.Sum()
		delta := s.IsMonotonic() && s.AggregationTemporality() == pmetric.AggregationTemporalityDelta
		dps := s.DataPoints()
		dps.RemoveIf(func(p pmetric.NumberDataPoint) bool {
			return v.badNumber(p, delta) || point(p.Attributes(), p.Timestamp(), p.Exemplars())
		})
		return dps.Len() == 0
	case pmetric.MetricTypeHistogram:
		dps := m.Histogram().DataPoints()
		dps.RemoveIf(func(p pmetric.HistogramDataPoint) bool {
			return v.badFloats(p.HasSum() && bad(p.Sum()), p.HasMin() && bad(p.Min()), p.HasMax() && bad(p.Max())) ||
				point(p.Attributes(), p.Timestamp(), p.Exemplars())
		})
		return dps.Len() == 0
	case pmetric.MetricTypeExponentialHistogram:
		dps := m.ExponentialHistogram().DataPoints()
		dps.RemoveIf(func(p pmetric.ExponentialHistogramDataPoint) bool {
			return v.badFloats(p.HasSum() && bad(p.Sum()), p.HasMin() && bad(p.Min()), p.HasMax() && bad(p.Max())) ||
				point(p.Attributes(), p.Timestamp(), p.Exemplars())
		})
		return dps.Len() == 0
	case pmetric.MetricTypeSummary:
		dps := m.Summary().DataPoints()
		dps.RemoveIf(func(p pmetric.SummaryDataPoint) bool {
			q := false
			for i := 0; i < p.QuantileValues().Len(); i++ {
				q = q || bad(p.QuantileValues().At(i).Value())
			}
			return v.badFloats(bad(p.Sum()), q) || point(p.Attributes(), p.Timestamp(), noExemplars)
		})
		return dps.Len() == 0
	}
	return true // a metric without a type carries no point
}

func bad(f float64) bool { return math.IsNaN(f) || math.IsInf(f, 0) }

func (v *Verifier) badFloats(flags ...bool) bool {
	if !v.q.DropNaN {
		return false
	}
	for _, f := range flags {
		if f {
			v.m.fix(fixNaN)
			return true
		}
	}
	return false
}

// badNumber: NaN/±Inf cannot be stored; a negative delta of a monotonic sum
// is a counter reset misread by the sender and would show as a false dip.
func (v *Verifier) badNumber(p pmetric.NumberDataPoint, monotonicDelta bool) bool {
	var f float64
	switch p.ValueType() {
	case pmetric.NumberDataPointValueTypeDouble:
		f = p.DoubleValue()
		if v.badFloats(bad(f)) {
			return true
		}
	case pmetric.NumberDataPointValueTypeInt:
		f = float64(p.IntValue())
	}
	if monotonicDelta && v.q.DropNegativeDelta && f < 0 {
		v.m.fix(fixNegativeDelta)
		return true
	}
	return false
}

func (v *Verifier) logs(ld plog.Logs, w window) {
	ld.ResourceLogs().RemoveIf(func(rl plog.ResourceLogs) bool {
		res := rl.Resource().Attributes()
		if v.attrs(res, 0, dialect(res)) {
			return true
		}
		rl.ScopeLogs().RemoveIf(func(sl plog.ScopeLogs) bool {
			if v.attrs(sl.Scope().Attributes(), 0, dialect(res)) {
				return true
			}
			sl.LogRecords().RemoveIf(func(lr plog.LogRecord) bool { return v.logRecord(lr, res, w) })
			return sl.LogRecords().Len() == 0
		})
		return rl.ScopeLogs().Len() == 0
	})
}

// logRecord verifies lr and reports whether it must be dropped.
func (v *Verifier) logRecord(lr plog.LogRecord, res pcommon.Map, w window) bool {
	if v.outside(lr.Timestamp(), w, v.q.LogTimeFix == "drop") {
		if v.q.LogTimeFix == "drop" {
			return true
		}
		v.m.fix(fixLogTimeSet)
		lr.SetTimestamp(w.now)
	}
	attrs := lr.Attributes()
	d := dialect(attrs, res)
	if v.attrs(attrs, v.q.MaxLogAttrs, d) {
		return true
	}
	plan := lr.EventName() == planEvent
	if e, ok := attrs.Get("event.name"); ok && e.Str() == planEvent {
		plan = true
	}
	body := lr.Body()
	switch body.Type() {
	case pcommon.ValueTypeStr:
		s := body.Str()
		if plan && v.sqlOn {
			s = sqlmask.MaskPlan(s, maskerFor(d))
		}
		out, changed, drop := v.cleanString(s, "", false, 0, d)
		if drop {
			return true
		}
		if changed || len(s) != len(body.Str()) || s != body.Str() {
			body.SetStr(out)
		}
	case pcommon.ValueTypeMap:
		if plan && v.sqlOn {
			sqlmask.MaskPlanMap(body.Map(), maskerFor(d))
		}
		return v.attrs(body.Map(), 0, d)
	case pcommon.ValueTypeSlice:
		return v.value("", body, d, false, 0)
	}
	return false
}

func (v *Verifier) traces(td ptrace.Traces, w window) {
	td.ResourceSpans().RemoveIf(func(rs ptrace.ResourceSpans) bool {
		res := rs.Resource().Attributes()
		if v.attrs(res, 0, dialect(res)) {
			return true
		}
		rs.ScopeSpans().RemoveIf(func(ss ptrace.ScopeSpans) bool {
			if v.attrs(ss.Scope().Attributes(), 0, dialect(res)) {
				return true
			}
			ss.Spans().RemoveIf(func(sp ptrace.Span) bool { return v.span(sp, res, w) })
			return ss.Spans().Len() == 0
		})
		return rs.ScopeSpans().Len() == 0
	})
}

// span verifies sp (name, attributes, events, links, status) and reports
// whether it must be dropped.
func (v *Verifier) span(sp ptrace.Span, res pcommon.Map, w window) bool {
	if v.outside(sp.StartTimestamp(), w, true) {
		return true
	}
	attrs := sp.Attributes()
	d := dialect(attrs, res)
	if v.str(sp.Name, sp.SetName) || v.attrs(attrs, 0, d) || v.str(sp.Status().Message, sp.Status().SetMessage) {
		return true
	}
	evs := sp.Events()
	for i := 0; i < evs.Len(); i++ {
		e := evs.At(i)
		if v.str(e.Name, e.SetName) || v.attrs(e.Attributes(), 0, d) {
			return true
		}
	}
	links := sp.Links()
	for i := 0; i < links.Len(); i++ {
		if v.attrs(links.At(i).Attributes(), 0, d) {
			return true
		}
	}
	return false
}

// str verifies a plain string field (a name or message) through its getter
// and setter.
func (v *Verifier) str(get func() string, set func(string)) bool {
	out, changed, drop := v.cleanString(get(), "", false, 0, "")
	if changed {
		set(out)
	}
	return drop
}
