package pgmatrix

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbintel/dbintel/pkg/contract"
	"github.com/dbintel/dbintel/pkg/scrape/postgres"
)

// testPlans: auto_explain plans read from the server log in each format
// the version writes (jsonlog from 15), without the scraper's own
// statements, which auto_explain logs like any other.
func (s *server) testPlans(t *testing.T) {
	formats := map[string]string{"stderr": "postgresql.log", "csvlog": "postgresql.csv"}
	order := []string{"stderr", "csvlog"}
	if s.v >= 15 {
		formats["jsonlog"] = "postgresql.json"
		order = append(order, "jsonlog")
	}
	for _, f := range order {
		t.Run(f, func(t *testing.T) {
			s.srv.Exec(t, "ALTER SYSTEM SET log_destination = '"+f+"'")
			s.srv.Exec(t, "SELECT pg_reload_conf()")
			eventually(t, formats[f], func() bool {
				_, err := os.Stat(filepath.Join(s.srv.LogDir(), formats[f]))
				return err == nil
			})
			st := s.collectors(t, func(c *postgres.Config) {
				c.Plans.LogPath, c.Plans.LogFormat = s.srv.LogDir(), f
			})
			const plans = "postgresql.plans"
			st.collect(t, plans) // starts at the end of the log
			for _, c := range st.all {
				if c.Name() != plans {
					st.collect(t, c.Name()) // the scraper's own statements, auto_explained
				}
			}
			var got []event
			eventually(t, "the user's plan in the "+f+" log", func() bool {
				s.run(t, 1, "SELECT count(*) FROM items WHERE v = $1", "plan-"+f)
				got = append(got, events(st.collect(t, plans), contract.EventQueryPlan)...)
				for _, e := range got {
					if strings.Contains(e.text(), "FROM items WHERE v") {
						return true
					}
				}
				return false
			})
			for _, e := range got {
				if scraperText(e.text()) || scraperText(planOf(e)) {
					t.Fatalf("%d plans, one is the scraper's own statement: %s", len(got), e)
				}
			}
		})
	}
}
