// Package dbkeytest builds realistic database telemetry for the tests and
// benchmarks of the gateway stages: what a scraper sends for a few database
// servers plus what an instrumented application sends.
package dbkeytest

import (
	"fmt"
	"time"

	"github.com/dbintel/dbintel/pkg/contract"
	"github.com/dbintel/dbintel/pkg/pipeline"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// Shape says how much a batch holds per database.
type Shape struct {
	Databases      int // PostgreSQL databases, one resource each
	InfraMetrics   int // infrastructure metrics per database, 3 points each
	Queries        int // per-query metric points and top_query events per database
	Samples        int // query_sample events per database
	Spans          int // spans from one application resource
	QueryIDOffset  int // shifts query id values, to make new series
	FirstDatabase  int // index of the first database, to give senders their own
	TimestampNanos int64
}

// Realistic is one scrape interval of a small fleet: 4 databases, 20
// infrastructure metrics, 50 queries, 30 session samples each, and 100 spans.
var Realistic = Shape{Databases: 4, InfraMetrics: 20, Queries: 50, Samples: 30, Spans: 100}

// Resource fills a database resource.
func Resource(res pcommon.Resource, db int) {
	a := res.Attributes()
	a.PutStr(contract.AttrDBSystem, contract.SystemPostgreSQL)
	a.PutStr(contract.AttrServerAddress, fmt.Sprintf("db%d.internal", db))
	a.PutInt(contract.AttrServerPort, 5432)
	a.PutStr(contract.AttrNamespace, "orders")
	a.PutStr(contract.AttrServiceInstanceID, contract.Endpoint(fmt.Sprintf("db%d.internal", db), 5432))
	a.PutStr(contract.AttrHostName, fmt.Sprintf("db%d", db))
}

// Batch builds a batch of the given shape.
func Batch(s Shape) pipeline.Batch {
	b := pipeline.NewBatch()
	ts := pcommon.Timestamp(s.TimestampNanos)
	if ts == 0 {
		ts = pcommon.NewTimestampFromTime(time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC))
	}
	for db := s.FirstDatabase; db < s.FirstDatabase+s.Databases; db++ {
		rm := b.Metrics.ResourceMetrics().AppendEmpty()
		Resource(rm.Resource(), db)
		ms := rm.ScopeMetrics().AppendEmpty().Metrics()
		for i := range s.InfraMetrics {
			m := ms.AppendEmpty()
			m.SetName(fmt.Sprintf("postgresql.metric_%d", i))
			sum := m.SetEmptySum()
			sum.SetAggregationTemporality(pmetric.AggregationTemporalityDelta)
			sum.SetIsMonotonic(true)
			for j, state := range []string{"active", "idle", "idle in transaction"} {
				p := sum.DataPoints().AppendEmpty()
				p.SetTimestamp(ts)
				p.Attributes().PutStr("state", state)
				p.SetIntValue(int64(100*i + j))
			}
		}
		dur := ms.AppendEmpty()
		dur.SetName("db.server.query.duration")
		dsum := dur.SetEmptySum()
		dsum.SetAggregationTemporality(pmetric.AggregationTemporalityDelta)
		for q := range s.Queries {
			p := dsum.DataPoints().AppendEmpty()
			p.SetTimestamp(ts)
			p.Attributes().PutStr(contract.PGQueryID, queryID(s, q))
			p.SetDoubleValue(0.001 * float64(q+1))
		}

		rl := b.Logs.ResourceLogs().AppendEmpty()
		Resource(rl.Resource(), db)
		lrs := rl.ScopeLogs().AppendEmpty().LogRecords()
		for q := range s.Queries {
			lr := lrs.AppendEmpty()
			lr.SetTimestamp(ts)
			lr.SetEventName(contract.EventTopQuery)
			a := lr.Attributes()
			a.PutStr(contract.PGQueryID, queryID(s, q))
			a.PutStr(contract.AttrQueryText, "SELECT * FROM orders WHERE id = ? AND customer = ?")
			a.PutStr(contract.AttrNamespace, "orders")
			a.PutInt(contract.PGCalls, int64(10*q+1))
			a.PutDouble(contract.PGTotalExecTime, 2*float64(q%7)*float64(10*q+1))
		}
		for i := range s.Samples {
			lr := lrs.AppendEmpty()
			lr.SetTimestamp(ts + pcommon.Timestamp(i))
			lr.SetEventName(contract.EventQuerySample)
			a := lr.Attributes()
			a.PutStr(contract.PGSampleQueryID, queryID(s, i%max(s.Queries, 1)))
			a.PutInt("process.pid", int64(1000+i))
			a.PutStr("db.session.state", "active")
			a.PutStr("db.wait_event.type", "IO")
			a.PutStr(contract.AttrQueryText, "UPDATE stock SET qty = qty - ? WHERE sku = ?")
		}
	}
	if s.Spans > 0 {
		rs := b.Traces.ResourceSpans().AppendEmpty()
		rs.Resource().Attributes().PutStr(contract.AttrServiceName, "checkout")
		spans := rs.ScopeSpans().AppendEmpty().Spans()
		for i := range s.Spans {
			sp := spans.AppendEmpty()
			sp.SetName("SELECT orders")
			sp.SetKind(ptrace.SpanKindClient)
			sp.SetTraceID(pcommon.TraceID{byte(i), byte(i >> 8), 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14})
			sp.SetSpanID(pcommon.SpanID{byte(i), 1, 2, 3, 4, 5, 6, 7})
			sp.SetStartTimestamp(ts)
			sp.SetEndTimestamp(ts + 1000)
			sp.Attributes().PutStr(contract.AttrDBSystem, contract.SystemPostgreSQL)
			sp.Attributes().PutStr(contract.AttrQueryText, "SELECT * FROM orders WHERE id = ?")
		}
	}
	return b
}

func queryID(s Shape, q int) string { return fmt.Sprintf("%d", 7000000000000+s.QueryIDOffset+q) }
