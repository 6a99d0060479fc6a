package sample

import (
	"github.com/dbintel/dbintel/pkg/contract"
	"github.com/dbintel/dbintel/pkg/pipeline"
	"github.com/dbintel/dbintel/pkg/pipeline/dbkey"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

func (s *Sampler) metrics(b pipeline.Batch, c *call) {
	var it item
	b.Metrics.ResourceMetrics().RemoveIf(func(rm pmetric.ResourceMetrics) bool {
		it.res = newResource(rm.Resource())
		rm.ScopeMetrics().RemoveIf(func(sm pmetric.ScopeMetrics) bool {
			sm.Metrics().RemoveIf(func(m pmetric.Metric) bool {
				name := m.Name()
				return dbkey.RemovePointsIf(m, func(p dbkey.Point) bool {
					it.reset()
					it.attrs, it.name, it.metricName = p.Attrs, name, name
					it.value, it.hasValue, it.ts = p.Value, p.HasValue, p.Timestamp
					it.queryLevel = contract.IsQueryLevelPoint(p.Attrs)
					return !s.decide(&it, c)
				}) == 0
			})
			return sm.Metrics().Len() == 0
		})
		return rm.ScopeMetrics().Len() == 0
	})
}

func (s *Sampler) logs(b pipeline.Batch, c *call) {
	var it item
	b.Logs.ResourceLogs().RemoveIf(func(rl plog.ResourceLogs) bool {
		it.res = newResource(rl.Resource())
		rl.ScopeLogs().RemoveIf(func(sl plog.ScopeLogs) bool {
			sl.LogRecords().RemoveIf(func(lr plog.LogRecord) bool {
				logItem(&it, lr)
				return !s.decide(&it, c)
			})
			return sl.LogRecords().Len() == 0
		})
		return rl.ScopeLogs().Len() == 0
	})
}

func logItem(it *item, lr plog.LogRecord) {
	it.reset()
	it.attrs, it.eventName, it.isEvent = lr.Attributes(), contract.EventName(lr), true
	it.name = it.eventName
	it.ts, it.body, it.traceID = lr.Timestamp(), lr.Body(), lr.TraceID()
	it.isError = lr.SeverityNumber() >= plog.SeverityNumberError
	it.queryLevel = contract.IsQueryLevelEvent(it.eventName)
}

func (s *Sampler) traces(b pipeline.Batch, c *call) {
	if len(s.rules) == 0 {
		return // spans are never query-level: only a rule can sample them
	}
	var it item
	b.Traces.ResourceSpans().RemoveIf(func(rs ptrace.ResourceSpans) bool {
		it.res = newResource(rs.Resource())
		rs.ScopeSpans().RemoveIf(func(ss ptrace.ScopeSpans) bool {
			ss.Spans().RemoveIf(func(sp ptrace.Span) bool {
				it.reset()
				it.attrs, it.name = sp.Attributes(), sp.Name()
				it.ts, it.traceID = sp.StartTimestamp(), sp.TraceID()
				it.isError = sp.Status().Code() == ptrace.StatusCodeError
				return !s.decide(&it, c)
			})
			return ss.Spans().Len() == 0
		})
		return rs.ScopeSpans().Len() == 0
	})
}
