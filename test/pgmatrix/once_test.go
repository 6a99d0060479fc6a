package pgmatrix

import (
	"context"
	"testing"
	"time"

	"github.com/dbintel/dbintel/pkg/pipeline"
	"github.com/dbintel/dbintel/pkg/scrape"
)

// testOnce is `scraper --once`: every metric the version supports comes
// out, none it lacks, and no section of the version-gated SQL fails.
func (s *server) testOnce(t *testing.T) {
	st := s.collectors(t, nil)
	var got []pipeline.Batch
	sink := pipeline.ConsumerFunc(func(_ context.Context, b pipeline.Batch) error { got = append(got, b); return nil })
	cfg := scrape.DefaultConfig()
	cfg.OnceWait = 1100 * time.Millisecond // backends flush statistics every second
	sched, err := scrape.NewScheduler(cfg, st.target, st.all, sink, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	stop, done := make(chan struct{}), make(chan struct{})
	go func() { // activity during the wait, so deltas have something to show
		defer close(done)
		c := s.srv.Conn(t)
		for {
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
				c.Exec(context.Background(), "SELECT count(*) FROM items")
			}
		}
	}()
	err = sched.Once(context.Background())
	close(stop)
	<-done
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("%d batches, want one", len(got))
	}
	names := metricNames(got[0])
	want := append([]string(nil), everyVersion...)
	if s.v >= 14 {
		want = append(want, walFrom14...)
	}
	var missing []string
	for _, n := range want {
		if !names[n] {
			missing = append(missing, n)
		}
		delete(names, n)
	}
	if len(missing) > 0 || len(names) > 0 {
		t.Fatalf("PostgreSQL %d --once: missing %v, unexpected %v", s.v, missing, names)
	}
	// pg_stat_checkpointer (17) took the backend writes out of pg_stat_bgwriter.
	backend := len(points(got[0], "postgresql.bgwriter.buffers.writes", "source", "backend"))
	if (s.v < 17) != (backend > 0) {
		t.Fatalf("PostgreSQL %d: %d backend-write points", s.v, backend)
	}
	if l := st.log.String(); l != "" {
		t.Fatalf("warnings during --once:\n%s", l)
	}
}

// The metrics --once sends on every version here: a server with a table,
// an index and a replication slot, without a standby, WAL archiving or a
// running vacuum (their metrics run live on 15 in pkg/scrape/postgres).
var everyVersion = []string{
	"postgresql.archiver.archived", "postgresql.archiver.failed", "postgresql.backends",
	"postgresql.bgwriter.buffers.allocated", "postgresql.bgwriter.buffers.writes", "postgresql.bgwriter.checkpoint.count",
	"postgresql.bgwriter.duration", "postgresql.bgwriter.maxwritten", "postgresql.blocks_read", "postgresql.cache.hit_ratio",
	"postgresql.commits", "postgresql.connection.max", "postgresql.connections", "postgresql.database.count",
	"postgresql.database.xid_age", "postgresql.db_size", "postgresql.deadlocks", "postgresql.index.scans", "postgresql.index.size",
	"postgresql.locks", "postgresql.operations", "postgresql.query.calls", "postgresql.query.conflicts",
	"postgresql.query.execution.time", "postgresql.query.rows", "postgresql.replication_slot.active",
	"postgresql.replication_slot.retained_wal", "postgresql.rollbacks", "postgresql.rows", "postgresql.sessions",
	"postgresql.table.analyze.age", "postgresql.table.analyze.count", "postgresql.table.autovacuum.count",
	"postgresql.table.count", "postgresql.table.size", "postgresql.table.vacuum.count", "postgresql.temp.io", "postgresql.temp_files",
}

// pg_stat_wal is new in 14.
var walFrom14 = []string{"postgresql.wal.buffers_full", "postgresql.wal.bytes", "postgresql.wal.full_page_images", "postgresql.wal.records"}
