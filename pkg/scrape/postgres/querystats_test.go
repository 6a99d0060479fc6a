package postgres

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/dbintel/dbintel/pkg/contract"
	"github.com/dbintel/dbintel/pkg/pipeline"
	"github.com/dbintel/dbintel/pkg/scrape"
)

// topQueries returns the top_query events of b by obfuscated text.
func topQueries(t *testing.T, b pipeline.Batch) map[string]plog.LogRecord {
	t.Helper()
	out := map[string]plog.LogRecord{}
	rls := b.Logs.ResourceLogs()
	for i := 0; i < rls.Len(); i++ {
		lrs := rls.At(i).ScopeLogs().At(0).LogRecords()
		for j := 0; j < lrs.Len(); j++ {
			lr := lrs.At(j)
			if lr.EventName() != "db.server.top_query" {
				t.Fatalf("unexpected event %q", lr.EventName())
			}
			text, _ := lr.Attributes().Get("db.query.text")
			out[text.Str()] = lr
			if strings.HasPrefix(text.Str(), "SELECT count ( * ) FROM pg_class WHERE relname = $1 AND relpages > ") {
				out[workloadKey] = lr
			}
			if strings.Contains(text.Str(), "31337") || strings.Contains(text.Str(), "secret_relation") {
				t.Fatalf("literal leaked in %q", text.Str())
			}
			for k, v := range lr.Attributes().All() {
				if (v.Type() == 2 && v.Int() < 0) || (v.Type() == 3 && v.Double() < 0) {
					t.Fatalf("negative %s=%v in %q", k, v.AsRaw(), text.Str())
				}
			}
			if strings.Contains(text.Str(), "dbintel") {
				t.Fatalf("the scraper's own statement was reported: %q", text.Str())
			}
		}
	}
	return out
}

func calls(t *testing.T, lr plog.LogRecord) int64 {
	t.Helper()
	v, ok := lr.Attributes().Get("postgresql.calls")
	if !ok {
		t.Fatal("postgresql.calls missing")
	}
	return v.Int()
}

const workload = "SELECT count(*) FROM pg_class WHERE relname = $1 AND relpages > 31337"

// workloadKey is how topQueries files the workload's event. PostgreSQL
// normalises the constant to $2 when it parses the statement, but keeps it
// raw when an entry is re-created by a cached prepared statement (after a
// reset): then only the scraper's obfuscation hides it.
const workloadKey = "workload"

func run(t *testing.T, conn *pgx.Conn, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		if _, err := conn.Exec(context.Background(), workload, "secret_relation_name"); err != nil {
			t.Fatal(err)
		}
	}
}

func TestQueryStatsAcceptance(t *testing.T) {
	srv, cfg := startServer(t)
	conn := srv.Conn(t)
	c := collectorNamed(t, cfg, "postgresql.query_stats")
	now := time.Now()
	tick := func() pipeline.Batch { now = now.Add(time.Minute); return collect(t, c, now) }

	run(t, conn, 3) // history before the scraper starts: must never show up
	if b := tick(); !b.Empty() {
		t.Fatalf("baseline scrape emitted %d items", b.Counts().Total())
	}

	run(t, conn, 100)
	b := tick()
	top := topQueries(t, b)
	lr, ok := top[workloadKey]
	if !ok {
		t.Fatalf("workload missing from top queries; got %d events", len(top))
	}
	if got := calls(t, lr); got != 100 {
		t.Fatalf("calls delta = %d, want exactly 100", got)
	}
	// nrpostgresqlreceiver's top_query attributes and types.
	a := lr.Attributes()
	for k, typ := range map[string]pcommon.ValueType{
		"db.system.name": pcommon.ValueTypeStr, "db.namespace": pcommon.ValueTypeStr, "db.query.text": pcommon.ValueTypeStr,
		"postgresql.calls": pcommon.ValueTypeInt, "postgresql.rows": pcommon.ValueTypeInt,
		"postgresql.shared_blks_dirtied": pcommon.ValueTypeInt, "postgresql.shared_blks_hit": pcommon.ValueTypeInt,
		"postgresql.shared_blks_read": pcommon.ValueTypeInt, "postgresql.shared_blks_written": pcommon.ValueTypeInt,
		"postgresql.temp_blks_read": pcommon.ValueTypeInt, "postgresql.temp_blks_written": pcommon.ValueTypeInt,
		"postgresql.queryid": pcommon.ValueTypeStr, "postgresql.rolname": pcommon.ValueTypeStr,
		"postgresql.total_exec_time": pcommon.ValueTypeDouble, "postgresql.total_plan_time": pcommon.ValueTypeDouble,
		"db.query.text.normalized.hash": pcommon.ValueTypeStr, "db.operation.name": pcommon.ValueTypeStr,
	} {
		if v, ok := a.Get(k); !ok || v.Type() != typ {
			t.Errorf("attribute %s missing or not %v", k, typ)
		}
	}
	for _, dup := range []string{"db.query.id", "db.query.calls", "db.query.exec_time", "db.query.total_time", "user.name"} {
		if _, ok := a.Get(dup); ok {
			t.Errorf("dbintel-only duplicate %s still sent", dup)
		}
	}
	if v, _ := a.Get("postgresql.total_exec_time"); v.Double() <= 0 || v.Double() > 60_000 {
		t.Errorf("total_exec_time %v: want the interval's milliseconds", v.Double())
	}
	if lr.Body().Type() != pcommon.ValueTypeEmpty {
		t.Error("top_query has a body")
	}
	if sc := b.Logs.ResourceLogs().At(0).ScopeLogs().At(0).Scope(); sc.Name() != contract.ScopePostgreSQL {
		t.Errorf("scope %q", sc.Name())
	}
	if pts := points(b.Metrics, "postgresql.query.calls", "db.namespace", "postgres"); len(pts) != 1 || pts[0].value() < 100 {
		t.Fatalf("per-database calls total: %+v", pts)
	}

	// Reset mid-interval: no negative, no spike.
	run(t, conn, 50)
	srv.Exec(t, "SELECT pg_stat_statements_reset()")
	run(t, conn, 10)
	b = tick()
	if lr, ok := topQueries(t, b)[workloadKey]; ok && calls(t, lr) > 10 {
		t.Fatalf("after reset: calls = %d, a spike (at most the 10 after the reset are real)", calls(t, lr))
	}
	run(t, conn, 5)
	tq := topQueries(t, tick())
	if got := calls(t, tq[workloadKey]); got != 5 {
		t.Fatalf("after reset: calls = %d, want 5", got)
	}

	// Scraper restart: a fresh collector starts with a silent baseline.
	c2 := collectorNamed(t, cfg, "postgresql.query_stats")
	run(t, conn, 20)
	if b := collect(t, c2, now.Add(time.Second)); !b.Empty() {
		t.Fatalf("restarted scraper emitted %d items on its first scrape (spike)", b.Counts().Total())
	}
	run(t, conn, 7)
	b2 := collect(t, c2, now.Add(time.Minute))
	if got := calls(t, topQueries(t, b2)[workloadKey]); got != 7 {
		t.Fatalf("after restart: calls = %d, want 7", got)
	}
}

func TestQueryStatsMissingExtensionDisables(t *testing.T) {
	srv, cfg := startServer(t)
	srv.Exec(t, "DROP EXTENSION pg_stat_statements")
	c := collectorNamed(t, cfg, "postgresql.query_stats")
	_, err := c.Collect(context.Background(), time.Now())
	if !scrape.IsDisabled(err) || !strings.Contains(err.Error(), "CREATE EXTENSION pg_stat_statements") {
		t.Fatalf("err = %v, want a DisabledError naming the fix", err)
	}
	srv.Exec(t, "CREATE EXTENSION pg_stat_statements")
	collect(t, c, time.Now())
}
