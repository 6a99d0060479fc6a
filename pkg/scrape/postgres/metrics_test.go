package postgres

import (
	"bytes"
	"log/slog"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/dbintel/dbintel/pkg/pipeline"
	"github.com/dbintel/dbintel/pkg/scrape"
	"github.com/dbintel/dbintel/test/pgtest"
)

func TestEveryDefaultMetricPresent(t *testing.T) {
	srv, cfg := startServer(t, pgtest.WithSetting("archive_mode", "on"), pgtest.WithSetting("archive_command", "'true'"),
		pgtest.WithSetting("track_functions", "all"))
	srv.Exec(t, "CREATE DATABASE app")
	pgtest.StartStandby(t, srv) // for pg_stat_replication
	srv.Exec(t, "SELECT pg_create_physical_replication_slot('spare')")
	cfg.Metrics = map[string]MetricToggle{}
	for _, d := range allDefs { // everything on: every query must work
		cfg.Metrics[d.Name] = MetricToggle{Enabled: true}
	}
	var logs bytes.Buffer
	target, _ := NewTarget(cfg, nil)
	cols, closeFn, err := NewCollectors(cfg, target, slog.New(slog.NewTextHandler(&logs, nil)), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer closeFn()
	workload := func() {
		c := srv.Conn(t)
		for _, q := range []string{
			"CREATE TABLE IF NOT EXISTS items (id serial PRIMARY KEY, v text)",
			"INSERT INTO items (v) SELECT 'x' FROM generate_series(1, 100)",
			"UPDATE items SET v = 'y' WHERE id < 10", "DELETE FROM items WHERE id = 5",
			"SELECT count(*) FROM items WHERE id = 3", "VACUUM ANALYZE items",
			"CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE plpgsql AS 'BEGIN RETURN 1; END'", "SELECT f()",
			"SELECT pg_switch_wal()",
		} {
			if _, err := c.Exec(t.Context(), q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
	}
	seen := map[string]pmetric.Metric{}
	for i := 0; i < 3; i++ {
		workload()
		time.Sleep(1100 * time.Millisecond) // backends flush their statistics at most every second
		for _, c := range cols {
			if c.Name() != "postgresql.metrics" && c.Name() != "postgresql.tables" {
				continue
			}
			b := collect(t, c, time.Now())
			collectNames(b, seen)
		}
	}
	for _, d := range allDefs {
		m, ok := seen[d.Name]
		if !ok {
			if d.Name == "postgresql.vacuum.progress" || d.source == "pg_stat_statements" || d.Name == "postgresql.sessions" ||
				d.Name == "postgresql.replication_slot.retained_wal" {
				continue // needs a running vacuum or a reserved slot; or belongs to another collector
			}
			t.Errorf("%s (receiver: %v) missing", d.Name, d.receiver)
			continue
		}
		if m.Unit() != d.Unit {
			t.Errorf("%s unit %q, want %q", d.Name, m.Unit(), d.Unit)
		}
		wantType := map[scrape.Kind]pmetric.MetricType{scrape.Gauge: pmetric.MetricTypeGauge, scrape.Counter: pmetric.MetricTypeSum, scrape.UpDownSum: pmetric.MetricTypeSum}[d.Kind]
		if m.Type() != wantType {
			t.Errorf("%s type %v, want %v", d.Name, m.Type(), wantType)
		}
	}
	if bytes.Contains(logs.Bytes(), []byte("section failed")) {
		t.Fatalf("a metrics section failed:\n%s", logs.String())
	}
}

func collectNames(b pipeline.Batch, seen map[string]pmetric.Metric) {
	rms := b.Metrics.ResourceMetrics()
	for i := 0; i < rms.Len(); i++ {
		ms := rms.At(i).ScopeMetrics().At(0).Metrics()
		for j := 0; j < ms.Len(); j++ {
			seen[ms.At(j).Name()] = ms.At(j)
		}
	}
}
