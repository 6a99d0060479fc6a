// Package pgmatrix runs the scraper against every supported PostgreSQL
// major version (12-18, test/pgtest), for the behaviours whose SQL or
// server output differs by version. The full PostgreSQL suite runs on 15
// in pkg/scrape/postgres; here each version gets a short tour. In CI
// (DBINTEL_REQUIRE_DB=1) a missing version fails; locally it is skipped.
package pgmatrix

import (
	"context"
	"fmt"
	"testing"

	"github.com/dbintel/dbintel/test/pgtest"
)

func TestVersions(t *testing.T) {
	t.Run("each", func(t *testing.T) { // returns when every version is done
		for _, v := range pgtest.Versions {
			t.Run(fmt.Sprintf("pg%d", v), func(t *testing.T) {
				t.Parallel() // two at a time (GOMAXPROCS): one starts up while the other works
				testVersion(t, v)
			})
		}
	})
	compareOnce(t)
}

func testVersion(t *testing.T, v int) {
	s := &server{v: v, srv: pgtest.Start(t, pgtest.WithVersion(v),
		pgtest.WithSetting("auto_explain.log_min_duration", "0"),
		pgtest.WithSetting("auto_explain.log_format", "json"),
		pgtest.WithSetting("log_line_prefix", "'%m [%p] user=%u,db=%d,app=%a '"))}
	s.srv.Exec(t, `CREATE TABLE items (id int PRIMARY KEY, v text);
INSERT INTO items SELECT g, 'item-' || g FROM generate_series(1, 2000) g;
ANALYZE items;
SELECT pg_create_physical_replication_slot('matrix_slot', true)`)
	t.Run("once", s.testOnce)
	t.Run("statements", s.testStatements)
	t.Run("own", s.testOwn)
	t.Run("explain", s.testExplain)
	t.Run("sessions", s.testSessions)
	t.Run("plans", s.testPlans)
}

// run executes sql n times on the test's own connection (extended
// protocol, so pg_stat_statements records $1 for the argument).
func (s *server) run(t *testing.T, n int, sql string, args ...any) {
	t.Helper()
	c := s.srv.Conn(t)
	for i := 0; i < n; i++ {
		rows, err := c.Query(context.Background(), sql, args...)
		if err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
}
