package postgres

import (
	"context"
	"testing"
	"time"

	"github.com/dbintel/dbintel/pkg/pipeline"
	"github.com/dbintel/dbintel/pkg/scrape"
)

// TestOnceAgainstPostgres is `scraper --once`: one merged batch, every
// metric once (the baseline sample of delta collectors is not printed),
// with delta sums already in it.
func TestOnceAgainstPostgres(t *testing.T) {
	srv, cfg := startServer(t)
	target, _ := NewTarget(cfg, nil)
	cols, closeFn, err := NewCollectors(cfg, target, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer closeFn()
	var got []pipeline.Batch
	sink := pipeline.ConsumerFunc(func(_ context.Context, b pipeline.Batch) error { got = append(got, b); return nil })
	scfg := scrape.DefaultConfig()
	scfg.OnceWait = 1100 * time.Millisecond // backends flush statistics every second
	s, err := scrape.NewScheduler(scfg, target, cols, sink, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := srv.Conn(t)
	done := make(chan struct{})
	go func() { // activity during the wait, so the deltas have something to show
		defer close(done)
		for i := 0; i < 20; i++ {
			c.Exec(context.Background(), "SELECT 1")
		}
	}()
	err = s.Once(context.Background())
	<-done
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("%d batches, want one merged batch", len(got))
	}
	md := got[0].Metrics
	if n := len(points(md, "postgresql.backends", "db.namespace", "postgres")); n != 1 {
		t.Fatalf("backends{postgres} appears %d times, want once (baseline sample dropped)", n)
	}
	if len(points(md, "postgresql.commits")) == 0 {
		t.Fatal("no commit deltas: the second sample was not kept")
	}
	if len(points(md, "postgresql.sessions")) == 0 {
		t.Fatal("session metrics missing from --once")
	}
}
