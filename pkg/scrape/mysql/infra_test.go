package mysql

import (
	"fmt"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pmetric"
)

func TestInfraMetricsLive(t *testing.T) {
	srv, cfg := startServer(t)
	db := srv.DB(t, "test")
	// One row before the baseline: a table's I/O series starts with its
	// first row of activity, and the first value of a series is a baseline.
	mustExec(t, db, "CREATE TABLE t (id INT PRIMARY KEY, v INT); INSERT INTO t VALUES (-1, 0)")
	c := collectorNamed(t, cfg, "mysql.metrics")
	t0 := time.Now()
	if b := collect(t, c, t0); b.Metrics.DataPointCount() == 0 {
		t.Fatal("baseline run sent no gauges")
	}
	for i := range 10 {
		mustExec(t, db, fmt.Sprintf("INSERT INTO t VALUES (%d, %d)", i, i))
	}
	b := collect(t, c, t0.Add(10*time.Second))
	md := b.Metrics
	if v, _ := md.ResourceMetrics().At(0).Resource().Attributes().Get("db.system.name"); v.Str() != "mariadb" {
		t.Errorf("db.system.name = %q, want mariadb", v.Str())
	}
	want := []struct {
		name string
		kind pmetric.MetricType
		unit string
	}{
		{"mysql.buffer_pool.pages", pmetric.MetricTypeSum, "1"},
		{"mysql.buffer_pool.data_pages", pmetric.MetricTypeSum, "1"},
		{"mysql.buffer_pool.usage", pmetric.MetricTypeSum, "By"},
		{"mysql.buffer_pool.limit", pmetric.MetricTypeSum, "By"},
		{"mysql.buffer_pool.operations", pmetric.MetricTypeSum, "1"},
		{"mysql.handlers", pmetric.MetricTypeSum, "1"},
		{"mysql.commands", pmetric.MetricTypeSum, "1"},
		{"mysql.threads", pmetric.MetricTypeSum, "1"},
		{"mysql.uptime", pmetric.MetricTypeSum, "s"},
		{"mysql.sorts", pmetric.MetricTypeSum, "1"},
		{"mysql.locks", pmetric.MetricTypeSum, "1"},
		{"mysql.opened_resources", pmetric.MetricTypeSum, "1"},
		{"mysql.query.count", pmetric.MetricTypeSum, "1"},
		{"mysql.table.io.wait.count", pmetric.MetricTypeSum, "1"},
		{"mysql.table.io.wait.time", pmetric.MetricTypeSum, "ns"},
	}
	for _, w := range want {
		ps := points(md, w.name)
		if len(ps) == 0 {
			t.Errorf("%s missing", w.name)
			continue
		}
		if ps[0].metric.Type() != w.kind || ps[0].metric.Unit() != w.unit {
			t.Errorf("%s: type %v unit %q, want %v %q", w.name, ps[0].metric.Type(), ps[0].metric.Unit(), w.kind, w.unit)
		}
	}
	// MariaDB 10.6+ has no Innodb_rows_* counters (mysql.row_operations is
	// MySQL only); Com_insert counts the statements exactly.
	inserted := points(md, "mysql.commands", "command", "insert")
	if len(inserted) != 1 || inserted[0].value() != 10 {
		t.Fatalf("insert commands delta = %v, want exactly 10", inserted)
	}
	s := inserted[0].metric.Sum()
	if s.AggregationTemporality() != pmetric.AggregationTemporalityDelta || !s.IsMonotonic() {
		t.Error("row operations must be a monotonic delta sum")
	}
	// A configured but stopped replica connection: both threads report 0.
	mustExec(t, db, "CHANGE MASTER 'c1' TO MASTER_HOST = '127.0.0.1', MASTER_PORT = 1")
	md = collect(t, c, t0.Add(20*time.Second)).Metrics
	for _, name := range []string{"mysql.replica.io_thread.running", "mysql.replica.sql_thread.running", "mysql.replica.sql_delay"} {
		if p := points(md, name, "channel", "c1"); len(p) != 1 || p[0].value() != 0 {
			t.Errorf("%s = %v, want one point 0 for channel c1", name, p)
		}
	}
	if p := points(md, "mysql.replica.time_behind_source"); len(p) != 0 {
		t.Errorf("time behind must be absent while the SQL thread is stopped: %v", p)
	}
	md = b.Metrics
	io := points(md, "mysql.table.io.wait.count", "operation", "insert", "table", "t", "schema", "test")
	if len(io) != 1 || io[0].value() != 10 {
		t.Errorf("table io insert count = %v, want 10", io)
	}
}
