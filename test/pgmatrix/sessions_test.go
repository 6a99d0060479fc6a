package pgmatrix

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/dbintel/dbintel/pkg/contract"
	"github.com/dbintel/dbintel/pkg/scrape/postgres"
)

func pidOf(t *testing.T, c *pgx.Conn) int32 {
	t.Helper()
	var pid int32
	if err := c.QueryRow(context.Background(), "SELECT pg_backend_pid()").Scan(&pid); err != nil {
		t.Fatal(err)
	}
	return pid
}

// hasValue reports whether any attribute of e has value v.
func hasValue(e event, v string) bool {
	for _, x := range e.attrs {
		if x == v {
			return true
		}
	}
	return false
}

// testSessions: a real blocking chain (a holds a row lock, b waits on a, c
// waits on b) shows as query samples waiting on Lock and one blocking
// event rooted at a. The wait's start (pg_locks.waitstart) exists from 14:
// before, the chain's maximum wait is unknown and must be absent, not 0.
func (s *server) testSessions(t *testing.T) {
	st := s.collectors(t, nil)
	ctx := context.Background()
	a, b, c := s.srv.Conn(t), s.srv.Conn(t), s.srv.Conn(t)
	aPID, bPID, cPID := pidOf(t, a), pidOf(t, b), pidOf(t, c)
	if _, err := a.Exec(ctx, "BEGIN; UPDATE items SET v = 'held' WHERE id = 1"); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 2)
	released := false
	release := func() {
		if !released {
			released = true
			a.Exec(ctx, "ROLLBACK")
			<-done
			<-done
		}
	}
	defer release()
	waiting := func(n int) func() bool {
		return func() bool {
			var w int
			s.srv.Conn(t).QueryRow(ctx, "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND pid = ANY($1)", []int32{bPID, cPID}).Scan(&w)
			return w == n
		}
	}
	go func() { _, err := b.Exec(ctx, "UPDATE items SET v = 'b' WHERE id = 1"); done <- err }()
	eventually(t, "b waiting on a", waiting(1))
	go func() { _, err := c.Exec(ctx, "UPDATE items SET v = 'c' WHERE id = 1"); done <- err }()
	eventually(t, "c waiting too", waiting(2))

	batch := st.collect(t, "postgresql.sessions") // the first sample is emitted at once
	lockSamples := 0
	for _, e := range events(batch, contract.EventQuerySample) {
		if hasValue(e, postgres.ApplicationName) {
			t.Fatalf("the scraper sampled its own session: %s", e)
		}
		if (e.mentions(bPID) || e.mentions(cPID)) && hasValue(e, "Lock") {
			lockSamples++
		}
	}
	if lockSamples != 2 {
		t.Fatalf("%d query samples of b and c waiting on Lock, want 2", lockSamples)
	}
	chains := events(batch, contract.EventBlocking)
	if len(chains) != 1 || !chains[0].mentions(aPID) || !chains[0].mentions(bPID) || !chains[0].mentions(cPID) {
		t.Fatalf("want one blocking event naming a=%d, b=%d, c=%d; got %v", aPID, bPID, cPID, chains)
	}
	key, hasMax := chains[0].keyWith("max_wait")
	switch {
	case s.v >= 14 && !hasMax:
		t.Fatalf("PostgreSQL %d has pg_locks.waitstart, but the blocking event has no maximum wait: %s", s.v, chains[0])
	case s.v >= 14:
		if w, _ := chains[0].num(key); w < 0 {
			t.Fatalf("%s = %v", key, w)
		}
	case hasMax:
		t.Fatalf("PostgreSQL %d has no pg_locks.waitstart, yet the blocking event reports %s = %v", s.v, key, chains[0].attrs[key])
	}
	release()
}
