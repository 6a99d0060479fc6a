package pgmatrix

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/dbintel/dbintel/pkg/pipeline"
	"github.com/dbintel/dbintel/pkg/scrape"
)

// testOnce is `scraper --once`: no section of the version-gated SQL fails,
// the metrics of views the version lacks are absent, and (compareOnce)
// every other metric 15 sends comes out.
func (s *server) testOnce(t *testing.T) {
	// Vacuum and analyze ages exist only for a table that has had one:
	// make it so on every version instead of waiting for autovacuum.
	// Before 15 the statistics collector reports them asynchronously: wait.
	c := s.srv.Conn(t)
	if _, err := c.Exec(context.Background(), "VACUUM ANALYZE items"); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		var done bool
		err := c.QueryRow(context.Background(),
			`SELECT last_vacuum IS NOT NULL AND last_analyze IS NOT NULL FROM pg_stat_user_tables WHERE relname = 'items'`).Scan(&done)
		if err != nil {
			t.Fatal(err)
		}
		if done {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("VACUUM ANALYZE items not in pg_stat_user_tables after 15 s")
		}
	}
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
	// pg_stat_wal is new in 14.
	for _, n := range walFrom14 {
		if names[n] != (s.v >= 14) {
			t.Fatalf("PostgreSQL %d: %s sent = %v", s.v, n, names[n])
		}
	}
	// pg_stat_checkpointer (17) took the backend writes out of pg_stat_bgwriter.
	backend := len(points(got[0], "postgresql.bgwriter.buffers.writes", "source", "backend"))
	if (s.v < 17) != (backend > 0) {
		t.Fatalf("PostgreSQL %d: %d backend-write points", s.v, backend)
	}
	if l := st.log.String(); l != "" {
		t.Fatalf("warnings during --once:\n%s", l)
	}
	onceNames.Store(s.v, names)
}

// pg_stat_wal is new in 14.
var walFrom14 = []string{"postgresql.wal.buffers_full", "postgresql.wal.bytes", "postgresql.wal.full_page_images", "postgresql.wal.records"}

// onceNames holds the metric names each version's --once sent.
var onceNames sync.Map // major -> map[string]bool

// compareOnce checks that every version sends what 15 (whose every metric
// the full suite in pkg/scrape/postgres checks) sends, minus what the
// version lacks: the set is the code's, so it follows the metric list.
func compareOnce(t *testing.T) {
	ref, ok := onceNames.Load(15)
	if !ok {
		return // 15 skipped or failed: reported there
	}
	want := ref.(map[string]bool)
	if len(want) < 30 {
		t.Fatalf("PostgreSQL 15 --once sent only %d metrics", len(want))
	}
	onceNames.Range(func(k, v any) bool {
		got := v.(map[string]bool)
		var missing, extra []string
		for n := range want {
			if !got[n] && !(k.(int) < 14 && slices.Contains(walFrom14, n)) {
				missing = append(missing, n)
			}
		}
		for n := range got {
			if !want[n] {
				extra = append(extra, n)
			}
		}
		if len(missing) > 0 || len(extra) > 0 {
			t.Errorf("PostgreSQL %d --once vs 15: missing %v, extra %v", k, missing, extra)
		}
		return true
	})
}
