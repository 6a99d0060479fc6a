package pgmatrix

import (
	"strings"
	"testing"

	"github.com/dbintel/dbintel/pkg/contract"
	"github.com/dbintel/dbintel/pkg/scrape/postgres"
)

// planOf returns a plan event's JSON plan, wherever the event carries it.
func planOf(e event) string {
	for _, k := range contract.PlanAttrs {
		if s, ok := e.attrs[k].(string); ok {
			return s
		}
	}
	s, _ := e.body.(string)
	return s
}

// testExplain: opt-in EXPLAIN of a statement with $n parameters gives a
// generic plan on every version (GENERIC_PLAN on 16+, PREPARE before), and
// a failing EXPLAIN is counted and logged at WARN with its error class.
func (s *server) testExplain(t *testing.T) {
	st := s.collectors(t, func(c *postgres.Config) {
		c.QueryStats.Explain.Enabled = true
		c.QueryStats.Explain.TopN = 20
	})
	s.srv.Exec(t, "CREATE TABLE gone (id int PRIMARY KEY)")
	st.collect(t, queryStats) // baseline
	s.run(t, 3, "SELECT v FROM items WHERE id = $1 AND v <> $2", 3, "x")
	s.run(t, 1, "SELECT id FROM gone WHERE id = $1", 1)
	s.srv.Exec(t, "DROP TABLE gone") // its EXPLAIN fails: relation does not exist
	b := st.collect(t, queryStats)
	var found bool
	for _, e := range events(b, contract.EventQueryPlan) {
		if strings.Contains(e.text(), "FROM items WHERE id") {
			if p := planOf(e); !strings.Contains(p, `"Node Type"`) || !strings.Contains(p, "items") {
				t.Fatalf("plan of the parameterised statement: %s", e)
			}
			found = true
		}
	}
	if !found {
		t.Fatalf("no EXPLAIN plan for the parameterised statement; log:\n%s", st.log)
	}
	if n := st.counter(t, "explain_failures"); n < 1 {
		t.Fatalf("explain failures counted: %v, want the failure on the dropped table", n)
	}
	if l := st.log.String(); !strings.Contains(l, "level=WARN") || !strings.Contains(l, "42P01") {
		t.Fatalf("no WARN line naming the failure's class (42P01); log:\n%s", l)
	}
}
