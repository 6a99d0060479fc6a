package postgres

import (
	"testing"
	"time"
)

// TestTablesLayoutAndLockedTable: per-table metrics carry the receivers'
// resource layout, and a table someone holds an exclusive lock on loses
// only its size, not the whole scrape (pg_relation_size would wait for the
// lock until the query timeout).
func TestTablesLayoutAndLockedTable(t *testing.T) {
	srv, cfg := startServer(t)
	srv.Exec(t, "CREATE TABLE free (id int PRIMARY KEY)")
	srv.Exec(t, "CREATE TABLE held (id int PRIMARY KEY)")
	lock := srv.Conn(t)
	if _, err := lock.Exec(t.Context(), "BEGIN; LOCK TABLE held IN ACCESS EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}
	c := collectorWith(t, cfg, "postgresql.tables", "cumulative")
	start := time.Now()
	b := collect(t, c, time.Now())
	if took := time.Since(start); took > cfg.QueryTimeout {
		t.Fatalf("scrape took %s: it waited for the lock", took)
	}
	md := b.Metrics
	if got := points(md, "postgresql.table.size", "db.collection.name", "free", "db.namespace", "postgres|public"); len(got) != 1 {
		t.Fatalf("free table size: %d points", len(got))
	}
	if got := points(md, "postgresql.table.size", "db.collection.name", "held"); len(got) != 0 {
		t.Fatal("size of an exclusively locked table was read")
	}
	if got := points(md, "postgresql.rows", "db.collection.name", "held", "state", "live"); len(got) != 1 {
		t.Fatal("the locked table lost its other metrics")
	}
	var sawTable, sawIndex bool
	rms := md.ResourceMetrics()
	for i := 0; i < rms.Len(); i++ {
		a := rms.At(i).Resource().Attributes().AsRaw()
		if a["postgresql.database.name"] == "postgres" && a["postgresql.table.name"] == "public.free" {
			sawTable = true
		}
		if a["postgresql.index.name"] == "free_pkey" && a["postgresql.table.name"] == "public.free" {
			sawIndex = true
		}
	}
	if !sawTable || !sawIndex {
		t.Fatalf("per-table resource %v, per-index resource %v", sawTable, sawIndex)
	}
	if got := points(md, "postgresql.index.scans", "postgresql.index.name", "free_pkey"); len(got) != 1 {
		t.Fatal("index scans lack postgresql.index.name")
	}
	if _, err := lock.Exec(t.Context(), "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
}
