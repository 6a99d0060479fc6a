package mysql

import (
	"fmt"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/dbintel/dbintel/pkg/contract"
	"github.com/dbintel/dbintel/pkg/scrape"
)

// TestInfraMetricsLive scrapes MariaDB with the default (cumulative) and the
// delta temporality and checks names, units, kinds and exact counts.
func TestInfraMetricsLive(t *testing.T) {
	srv, cfg := startServer(t)
	db := srv.DB(t, "test")
	mustExec(t, db, "CREATE TABLE t (id INT PRIMARY KEY, v INT); INSERT INTO t VALUES (-1, 0)")
	cum := collectorWith(t, cfg, scrape.Cumulative, "mysql.metrics")
	delta := collectorWith(t, cfg, scrape.Delta, "mysql.metrics")
	t0 := time.Now()
	first := collect(t, cum, t0).Metrics
	if b := collect(t, delta, t0); len(points(b.Metrics, "mysql.commands")) != 0 {
		t.Fatal("delta baseline run sent counters")
	}
	for i := range 10 {
		mustExec(t, db, fmt.Sprintf("INSERT INTO t VALUES (%d, %d)", i, i))
	}
	md := collect(t, cum, t0.Add(10*time.Second)).Metrics
	mdDelta := collect(t, delta, t0.Add(10*time.Second)).Metrics

	res := md.ResourceMetrics().At(0).Resource().Attributes()
	if v, _ := res.Get(contract.AttrDBSystem); v.Str() != contract.SystemMySQL {
		t.Errorf("db.system.name = %q, want mysql (New Relic's MySQL entity)", v.Str())
	}
	if v, _ := res.Get(contract.AttrDBProduct); v.Str() != contract.SystemMariaDB {
		t.Errorf("product = %q, want mariadb", v.Str())
	}
	want := []struct {
		name string
		unit string
		mono bool // a Counter: monotonic, of the configured temporality
	}{
		{"mysql.buffer_pool.pages", "1", false}, {"mysql.buffer_pool.data_pages", "1", false},
		{"mysql.buffer_pool.usage", "By", false}, {"mysql.buffer_pool.limit", "By", false},
		{"mysql.buffer_pool.operations", "1", true}, {"mysql.buffer_pool.page_flushes", "1", true},
		{"mysql.handlers", "1", true}, {"mysql.commands", "1", true}, {"mysql.threads", "1", false},
		{"mysql.uptime", "s", true}, {"mysql.sorts", "1", true}, {"mysql.locks", "1", true},
		{"mysql.opened_resources", "1", true}, {"mysql.query.count", "1", true},
		{"mysql.query.client.count", "1", true}, {"mysql.query.slow.count", "1", true},
		{"mysql.connection.count", "1", true}, {"mysql.connection.errors", "1", true},
		{"mysql.client.network.io", "By", true}, {"mysql.prepared_statements", "1", true},
		{"mysql.joins", "1", true}, {"mysql.tmp_resources", "1", true}, {"mysql.table_open_cache", "1", true},
		{"mysql.page_operations", "1", true}, {"mysql.log_operations", "1", true}, {"mysql.double_writes", "1", true},
		{"mysql.operations", "1", true}, {"mysql.row_locks", "1", true},
		{"mysql.max_used_connections", "1", false}, {"mysql.page_size", "By", false},
		{"mysql.table.io.wait.count", "1", true}, {"mysql.table.io.wait.time", "ns", true},
		{"mysql.table.lock_wait.read.count", "1", false}, {"mysql.table.lock_wait.read.time", "ns", false},
		{"mysql.table.lock_wait.write.count", "1", false}, {"mysql.table.lock_wait.write.time", "ns", false},
		{"mysql.table.rows", "1", false}, {"mysql.table.size", "By", false}, {"mysql.table.average_row_length", "By", false},
	}
	for _, w := range want {
		ps := points(md, w.name)
		if w.name == "mysql.table.rows" || w.name == "mysql.table.size" || w.name == "mysql.table.average_row_length" {
			ps = points(first, w.name) // read once a minute
		}
		if len(ps) == 0 {
			t.Errorf("%s missing", w.name)
			continue
		}
		m := ps[0].metric
		if m.Type() != pmetric.MetricTypeSum || m.Unit() != w.unit || m.Sum().IsMonotonic() != w.mono {
			t.Errorf("%s: type %v unit %q monotonic %v, want sum %q %v", w.name, m.Type(), m.Unit(), m.Sum().IsMonotonic(), w.unit, w.mono)
			continue
		}
		if m.Sum().AggregationTemporality() != pmetric.AggregationTemporalityCumulative {
			t.Errorf("%s: %s, want cumulative", w.name, m.Sum().AggregationTemporality())
		}
	}
	// Com_insert counts the statements exactly: cumulative values 10
	// apart, the delta exactly 10.
	before := points(first, "mysql.commands", "command", "insert")
	after := points(md, "mysql.commands", "command", "insert")
	if len(before) != 1 || len(after) != 1 || after[0].value()-before[0].value() != 10 ||
		!after[0].dp.StartTimestamp().AsTime().Equal(before[0].dp.StartTimestamp().AsTime()) {
		t.Errorf("cumulative insert commands %v -> %v, want +10 on one start time", before, after)
	}
	d := points(mdDelta, "mysql.commands", "command", "insert")
	if len(d) != 1 || d[0].value() != 10 || d[0].metric.Sum().AggregationTemporality() != pmetric.AggregationTemporalityDelta {
		t.Errorf("delta insert commands = %v, want one delta point 10", d)
	}
	if io := points(mdDelta, "mysql.table.io.wait.count", "operation", "insert", "table", "t", "schema", "test"); len(io) != 1 || io[0].value() != 10 {
		t.Errorf("delta table io insert count = %v, want 10", io)
	}
	if io := points(md, "mysql.table.io.wait.count", "operation", "insert", "table", "t", "schema", "test"); len(io) != 1 || io[0].value() != 11 {
		t.Errorf("cumulative table io insert count = %v, want 11", io)
	}
	if p := points(first, "mysql.table.size", "table", "t", "schema", "test", "kind", "data"); len(p) != 1 || p[0].value() <= 0 {
		t.Errorf("table size = %v", p)
	}
	// MariaDB 10.6+ has no Innodb_rows_* counters and no X Plugin.
	for _, name := range []string{"mysql.row_operations", "mysql.mysqlx_connections"} {
		if p := points(md, name); len(p) != 0 {
			t.Errorf("%s on MariaDB: %v", name, p)
		}
	}

	// A configured but stopped replica connection: both threads report 0.
	mustExec(t, db, "CHANGE MASTER 'c1' TO MASTER_HOST = '127.0.0.1', MASTER_PORT = 1")
	md = collect(t, cum, t0.Add(20*time.Second)).Metrics
	for _, name := range []string{"mysql.replica.io_thread.running", "mysql.replica.sql_thread.running", "mysql.replica.sql_delay"} {
		if p := points(md, name, "channel", "c1"); len(p) != 1 || p[0].value() != 0 {
			t.Errorf("%s = %v, want one point 0 for channel c1", name, p)
		}
	}
	if p := points(md, "mysql.replica.time_behind_source"); len(p) != 0 {
		t.Errorf("time behind must be absent while the SQL thread is stopped: %v", p)
	}
}
