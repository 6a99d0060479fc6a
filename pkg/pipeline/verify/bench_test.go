package verify

import (
	"context"
	"fmt"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/dbintel/dbintel/pkg/pipeline"
)

// benchBatch is what a gateway sees from a scraper and an instrumented
// app: 200 database metric points, 60 log records (top_query events with
// scraper-obfuscated SQL, some raw SQL, PostgreSQL error lines) and 100
// spans with raw db.statement texts, a few holding personal data.
func benchBatch() pipeline.Batch {
	b := pipeline.NewBatch()
	rm := b.Metrics.ResourceMetrics().AppendEmpty()
	res := rm.Resource().Attributes()
	res.PutStr("db.system.name", "postgresql")
	res.PutStr("server.address", "pg-main-1.internal")
	res.PutInt("server.port", 5432)
	res.PutStr("service.instance.id", "pg-main-1.internal:5432")
	res.PutStr("host.name", "db-host-7")
	sm := rm.ScopeMetrics().AppendEmpty()
	for m := 0; m < 20; m++ {
		met := sm.Metrics().AppendEmpty()
		met.SetName(fmt.Sprintf("postgresql.metric_%d", m))
		sum := met.SetEmptySum()
		sum.SetIsMonotonic(true)
		sum.SetAggregationTemporality(pmetric.AggregationTemporalityDelta)
		for p := 0; p < 10; p++ {
			dp := sum.DataPoints().AppendEmpty()
			dp.SetTimestamp(ts(0))
			dp.SetIntValue(int64(p * 17))
			dp.Attributes().PutStr("db.namespace", fmt.Sprintf("shop_%d", p%3))
			dp.Attributes().PutStr("state", []string{"active", "idle", "idle in transaction"}[p%3])
			dp.Attributes().PutStr("wait_event", "ClientRead")
		}
	}

	lrs := b.Logs.ResourceLogs().AppendEmpty()
	lrs.Resource().Attributes().PutStr("db.system.name", "postgresql")
	lrs.Resource().Attributes().PutStr("service.instance.id", "pg-main-1.internal:5432")
	recs := lrs.ScopeLogs().AppendEmpty().LogRecords()
	for i := 0; i < 60; i++ {
		lr := recs.AppendEmpty()
		lr.SetTimestamp(ts(-time.Minute))
		switch {
		case i < 40:
			lr.SetEventName("db.server.top_query")
			a := lr.Attributes()
			a.PutStr("db.query.text", fmt.Sprintf("SELECT o.id, o.total, c.name FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.status = $1 AND o.created_at > $2 AND c.region_%d = $3 ORDER BY o.created_at DESC LIMIT $4", i))
			a.PutInt("db.query.id", int64(i)*7919)
			a.PutStr("db.operation.name", "SELECT")
			a.PutStr("db.namespace", "shop")
			a.PutDouble("db.query.total_time_s", 1.25)
			a.PutInt("db.query.calls", 420)
		case i < 50:
			lr.SetEventName("db.server.query_sample")
			lr.Attributes().PutStr("db.query.text", fmt.Sprintf("UPDATE carts SET updated_at = now(), item_count = %d WHERE cart_id = '%08x-aaaa-4bbb-8ccc-0123456789ab'", i, i))
			lr.Attributes().PutStr("wait_event", "Lock:tuple")
		default:
			lr.Body().SetStr(fmt.Sprintf("2026-11-25 11:59:00.123 UTC [%d] app@shop ERROR:  duplicate key value violates unique constraint \"users_email_key\"\nDETAIL:  Key (email)=(user%d@example.com) already exists.", 4000+i, i))
		}
	}

	rs := b.Traces.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "checkout")
	rs.Resource().Attributes().PutStr("telemetry.sdk.language", "go")
	spans := rs.ScopeSpans().AppendEmpty().Spans()
	for i := 0; i < 100; i++ {
		sp := spans.AppendEmpty()
		sp.SetName("SELECT shop.orders")
		sp.SetStartTimestamp(ts(-time.Second))
		sp.SetEndTimestamp(ts(0))
		a := sp.Attributes()
		a.PutStr("db.system.name", "postgresql")
		a.PutStr("db.namespace", "shop")
		a.PutStr("server.address", "pg-main-1.internal")
		a.PutInt("server.port", 5432)
		a.PutStr("db.operation.name", "SELECT")
		stmt := fmt.Sprintf("SELECT id, total FROM orders WHERE customer_id = %d AND status IN ('open', 'paid') LIMIT 50", 1000+i)
		if i%10 == 0 {
			stmt = fmt.Sprintf("SELECT * FROM customers WHERE email = 'user%d@example.com'", i)
		}
		a.PutStr("db.statement", stmt)
		a.PutStr("code.function", "repository.(*Orders).ByCustomer")
	}
	return b
}

// roundTrip is the receive→forward stand-in: protobuf marshal and unmarshal
// of every signal, which the gateway does for every batch anyway.
func roundTrip(b testing.TB, src pipeline.Batch) pipeline.Batch {
	mb, err := (&pmetric.ProtoMarshaler{}).MarshalMetrics(src.Metrics)
	if err != nil {
		b.Fatal(err)
	}
	lb, err := (&plog.ProtoMarshaler{}).MarshalLogs(src.Logs)
	if err != nil {
		b.Fatal(err)
	}
	tb, err := (&ptrace.ProtoMarshaler{}).MarshalTraces(src.Traces)
	if err != nil {
		b.Fatal(err)
	}
	out := pipeline.NewBatch()
	if out.Metrics, err = (&pmetric.ProtoUnmarshaler{}).UnmarshalMetrics(mb); err != nil {
		b.Fatal(err)
	}
	if out.Logs, err = (&plog.ProtoUnmarshaler{}).UnmarshalLogs(lb); err != nil {
		b.Fatal(err)
	}
	if out.Traces, err = (&ptrace.ProtoUnmarshaler{}).UnmarshalTraces(tb); err != nil {
		b.Fatal(err)
	}
	return out
}

// BenchmarkVerifyMixedBatch measures, in the same loop, the receive→forward
// stand-in (baseline) and verification of its output, and reports the
// throughput of the path with verification relative to without it
// (target ≥ 0.5).
func BenchmarkVerifyMixedBatch(b *testing.B) {
	v, _ := newTest(b, nil)
	src := benchBatch()
	items := float64(src.Counts().Total())
	var base, ver time.Duration
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		c := roundTrip(b, src)
		t1 := time.Now()
		if _, err := v.Process(ctx, c); err != nil {
			b.Fatal(err)
		}
		ver += time.Since(t1)
		base += t1.Sub(t0)
	}
	n := float64(b.N)
	b.ReportMetric(items*n/ver.Seconds(), "verify_items/s")
	b.ReportMetric(items*n/base.Seconds(), "baseline_items/s")
	b.ReportMetric(base.Seconds()/(base+ver).Seconds(), "path_ratio")
}

// BenchmarkVerifyCleanString is the common case: a value with nothing to
// find must cost a pre-scan and no allocation.
func BenchmarkVerifyCleanString(b *testing.B) {
	v, _ := newTest(b, nil)
	s := "SELECT o.id FROM orders o WHERE o.status = $1 AND o.region = $2 -- idle in transaction"
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		v.cleanString(s, "db.query.text", true, 4095, "")
	}
}

func TestCleanStringDoesNotAllocate(t *testing.T) {
	v, _ := newTest(t, nil)
	for _, c := range []struct {
		s   string
		sql bool
	}{
		{"postgresql", false}, {"idle in transaction", false}, {"user@localhost", false},
		{"error: connection refused by 10.0.0.7", false}, // server-log shaped, nothing to mask
		{"order 12345 at 2026-11-25T10:00:00Z lsn 0/3000148 trace 4bf92f3577b34da6a3ce929d0e0e4736", false},
		{"SELECT * FROM t1 WHERE id = $1 AND name = ?", true},
	} {
		if n := testing.AllocsPerRun(100, func() { v.cleanString(c.s, "k", c.sql, 4095, "") }); n != 0 {
			t.Errorf("%q: %v allocations, want 0", c.s, n)
		}
	}
}
