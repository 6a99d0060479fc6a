package forward

import (
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/dbintel/dbintel/pkg/pipeline"
)

// split moves the first half of b's items of signal s into a new batch and
// returns it; b keeps the rest. Resource and scope are copied to both
// halves when a split falls inside them, so each half is valid OTLP.
func split(s signal, b pipeline.Batch) pipeline.Batch {
	n := count(b, s) / 2
	switch s {
	case sigMetrics:
		return pipeline.FromMetrics(splitMetrics(b.Metrics, n))
	case sigLogs:
		return pipeline.FromLogs(splitLogs(b.Logs, n))
	default:
		return pipeline.FromTraces(splitTraces(b.Traces, n))
	}
}

// moveFirst moves the first n elements of src to dst.
func moveFirst[E interface{ MoveTo(E) }, S interface {
	RemoveIf(func(E) bool)
	AppendEmpty() E
}](src, dst S, n int) {
	src.RemoveIf(func(e E) bool {
		if n == 0 {
			return false
		}
		n--
		e.MoveTo(dst.AppendEmpty())
		return true
	})
}

func splitLogs(src plog.Logs, n int) plog.Logs {
	dst := plog.NewLogs()
	src.ResourceLogs().RemoveIf(func(rl plog.ResourceLogs) bool {
		if n == 0 {
			return false
		}
		drl := dst.ResourceLogs().AppendEmpty()
		if c := resourceLogCount(rl); c <= n {
			n -= c
			rl.MoveTo(drl)
			return true
		}
		rl.Resource().CopyTo(drl.Resource())
		drl.SetSchemaUrl(rl.SchemaUrl())
		rl.ScopeLogs().RemoveIf(func(sl plog.ScopeLogs) bool {
			if n == 0 {
				return false
			}
			dsl := drl.ScopeLogs().AppendEmpty()
			if c := sl.LogRecords().Len(); c <= n {
				n -= c
				sl.MoveTo(dsl)
				return true
			}
			sl.Scope().CopyTo(dsl.Scope())
			dsl.SetSchemaUrl(sl.SchemaUrl())
			moveFirst(sl.LogRecords(), dsl.LogRecords(), n)
			n = 0
			return false
		})
		return false
	})
	return dst
}

func resourceLogCount(rl plog.ResourceLogs) int {
	c := 0
	for _, sl := range rl.ScopeLogs().All() {
		c += sl.LogRecords().Len()
	}
	return c
}

func splitTraces(src ptrace.Traces, n int) ptrace.Traces {
	dst := ptrace.NewTraces()
	src.ResourceSpans().RemoveIf(func(rs ptrace.ResourceSpans) bool {
		if n == 0 {
			return false
		}
		drs := dst.ResourceSpans().AppendEmpty()
		if c := resourceSpanCount(rs); c <= n {
			n -= c
			rs.MoveTo(drs)
			return true
		}
		rs.Resource().CopyTo(drs.Resource())
		drs.SetSchemaUrl(rs.SchemaUrl())
		rs.ScopeSpans().RemoveIf(func(ss ptrace.ScopeSpans) bool {
			if n == 0 {
				return false
			}
			dss := drs.ScopeSpans().AppendEmpty()
			if c := ss.Spans().Len(); c <= n {
				n -= c
				ss.MoveTo(dss)
				return true
			}
			ss.Scope().CopyTo(dss.Scope())
			dss.SetSchemaUrl(ss.SchemaUrl())
			moveFirst(ss.Spans(), dss.Spans(), n)
			n = 0
			return false
		})
		return false
	})
	return dst
}

func resourceSpanCount(rs ptrace.ResourceSpans) int {
	c := 0
	for _, ss := range rs.ScopeSpans().All() {
		c += ss.Spans().Len()
	}
	return c
}

func splitMetrics(src pmetric.Metrics, n int) pmetric.Metrics {
	dst := pmetric.NewMetrics()
	src.ResourceMetrics().RemoveIf(func(rm pmetric.ResourceMetrics) bool {
		if n == 0 {
			return false
		}
		drm := dst.ResourceMetrics().AppendEmpty()
		if c := resourcePointCount(rm); c <= n {
			n -= c
			rm.MoveTo(drm)
			return true
		}
		rm.Resource().CopyTo(drm.Resource())
		drm.SetSchemaUrl(rm.SchemaUrl())
		rm.ScopeMetrics().RemoveIf(func(sm pmetric.ScopeMetrics) bool {
			if n == 0 {
				return false
			}
			dsm := drm.ScopeMetrics().AppendEmpty()
			sm.Scope().CopyTo(dsm.Scope())
			dsm.SetSchemaUrl(sm.SchemaUrl())
			sm.Metrics().RemoveIf(func(m pmetric.Metric) bool {
				if n == 0 {
					return false
				}
				dm := dsm.Metrics().AppendEmpty()
				if c := pipeline.PointCount(m); c <= n {
					n -= c
					m.MoveTo(dm)
					return true
				}
				movePoints(m, dm, n)
				n = 0
				return false
			})
			return sm.Metrics().Len() == 0
		})
		return false
	})
	return dst
}

func resourcePointCount(rm pmetric.ResourceMetrics) int {
	c := 0
	for _, sm := range rm.ScopeMetrics().All() {
		for _, m := range sm.Metrics().All() {
			c += pipeline.PointCount(m)
		}
	}
	return c
}

// movePoints moves n data points of src into dst, an empty metric that gets
// src's identity and aggregation settings.
func movePoints(src, dst pmetric.Metric, n int) {
	dst.SetName(src.Name())
	dst.SetDescription(src.Description())
	dst.SetUnit(src.Unit())
	src.Metadata().CopyTo(dst.Metadata())
	switch src.Type() {
	case pmetric.MetricTypeGauge:
		moveFirst(src.Gauge().DataPoints(), dst.SetEmptyGauge().DataPoints(), n)
	case pmetric.MetricTypeSum:
		d := dst.SetEmptySum()
		d.SetAggregationTemporality(src.Sum().AggregationTemporality())
		d.SetIsMonotonic(src.Sum().IsMonotonic())
		moveFirst(src.Sum().DataPoints(), d.DataPoints(), n)
	case pmetric.MetricTypeHistogram:
		d := dst.SetEmptyHistogram()
		d.SetAggregationTemporality(src.Histogram().AggregationTemporality())
		moveFirst(src.Histogram().DataPoints(), d.DataPoints(), n)
	case pmetric.MetricTypeExponentialHistogram:
		d := dst.SetEmptyExponentialHistogram()
		d.SetAggregationTemporality(src.ExponentialHistogram().AggregationTemporality())
		moveFirst(src.ExponentialHistogram().DataPoints(), d.DataPoints(), n)
	case pmetric.MetricTypeSummary:
		moveFirst(src.Summary().DataPoints(), dst.SetEmptySummary().DataPoints(), n)
	}
}
