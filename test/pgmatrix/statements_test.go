package pgmatrix

import (
	"strings"
	"testing"

	"github.com/dbintel/dbintel/pkg/contract"
	"github.com/dbintel/dbintel/pkg/pipeline"
	"github.com/dbintel/dbintel/pkg/scrape/postgres"
)

const (
	queryStats = "postgresql.query_stats"
	itemsByID  = "SELECT v FROM items WHERE id = $1"
)

// callsOf sums the calls of the top_query events whose text contains part;
// ok is false when there is none.
func callsOf(t *testing.T, b pipeline.Batch, part string) (calls float64, ok bool) {
	t.Helper()
	for _, e := range events(b, contract.EventTopQuery) {
		for k, v := range e.attrs {
			if f, isNum := v.(float64); isNum && f < 0 {
				t.Errorf("negative %s in %s", k, e)
			}
			if i, isInt := v.(int64); isInt && i < 0 {
				t.Errorf("negative %s in %s", k, e)
			}
		}
		if !strings.Contains(e.text(), part) {
			continue
		}
		n, found := e.num(contract.PGCalls, "db.query.calls")
		if !found {
			t.Fatalf("top_query without calls: %s", e)
		}
		calls, ok = calls+n, true
	}
	return calls, ok
}

// testStatements: deltas between scrapes, and a reset of
// pg_stat_statements (pg_stat_statements_info on 14+, counters going
// backwards before) re-baselines instead of sending a spike or a negative.
func (s *server) testStatements(t *testing.T) {
	st := s.collectors(t, nil)
	st.collect(t, queryStats) // baseline
	s.run(t, 5, itemsByID, 7)
	if n, _ := callsOf(t, st.collect(t, queryStats), "FROM items WHERE id"); n != 5 {
		t.Fatalf("calls after 5 runs = %v, want 5", n)
	}
	s.srv.Exec(t, "SELECT pg_stat_statements_reset()")
	s.run(t, 3, itemsByID, 7)
	if n, ok := callsOf(t, st.collect(t, queryStats), "FROM items WHERE id"); ok && n != 3 {
		t.Fatalf("calls after a reset and 3 runs = %v, want 3 or a silent re-baseline", n)
	}
	s.run(t, 2, itemsByID, 7)
	if n, _ := callsOf(t, st.collect(t, queryStats), "FROM items WHERE id"); n != 2 {
		t.Fatalf("calls after 2 more runs = %v, want 2", n)
	}
}

// testOwn: with the scraper's other collectors running between scrapes
// (as in production), no top_query event is the scraper's own SQL, while
// the user's statement, run by the same role, is reported.
func (s *server) testOwn(t *testing.T) {
	st := s.collectors(t, func(c *postgres.Config) { c.QueryStats.Explain.Enabled = true })
	for round := 0; round < 3; round++ {
		for _, c := range st.all {
			if c.Name() != queryStats {
				st.collect(t, c.Name())
			}
		}
		s.run(t, 2, "SELECT count(*) FROM items WHERE v = $1", "own-test")
		b := st.collect(t, queryStats)
		if round == 0 {
			continue // baseline
		}
		var own []string
		for _, e := range events(b, contract.EventTopQuery) {
			if scraperText(e.text()) {
				own = append(own, e.text())
			}
		}
		if len(own) > 0 {
			t.Fatalf("round %d: %d top_query events are the scraper's own statements, e.g. %q", round, len(own), own[0])
		}
		for _, e := range events(b, contract.EventQueryPlan) {
			if scraperText(e.text()) {
				t.Fatalf("round %d: the scraper explained its own statement %q", round, e.text())
			}
		}
		// On 12 and 13 with track = all, the scraper's EXPLAIN of the
		// statement (once an hour) counts one more call in its entry.
		if n, _ := callsOf(t, b, "FROM items WHERE v"); n != 2 && !(s.v < 14 && n == 3) {
			t.Fatalf("round %d: the user's statement (same role as the scraper) has %v calls, want 2", round, n)
		}
	}
}
