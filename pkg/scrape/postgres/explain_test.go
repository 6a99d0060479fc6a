package postgres

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestExplainable(t *testing.T) {
	for text, want := range map[string]bool{
		"SELECT * FROM t WHERE id = $1":                  true,
		"  with x as (select 1) select * from x":         true,
		"WITH d AS (DELETE FROM t RETURNING *) SELECT 1": false,
		"SELECT * INTO copy FROM t":                      false,
		"SELECT * FROM t FOR UPDATE":                     false,
		"UPDATE t SET v = 1":                             false,
		"SELECT 1; DROP TABLE t":                         false,
		"EXPLAIN ANALYZE SELECT 1":                       false,
	} {
		if got := explainable(text); got != want {
			t.Errorf("explainable(%q) = %v, want %v", text, got, want)
		}
	}
}

// TestExplainHasNoSideEffect: EXPLAIN plans, never executes: a volatile
// function that writes is not run. (PostgreSQL itself refuses writes in
// the non-volatile functions it may fold at plan time, and the EXPLAIN
// runs in a READ ONLY transaction besides.)
func TestExplainHasNoSideEffect(t *testing.T) {
	srv, cfg := startServer(t)
	srv.Exec(t, `CREATE TABLE side_effects (n int);
CREATE TABLE items (id int PRIMARY KEY, v text);
CREATE FUNCTION bump() RETURNS int LANGUAGE plpgsql VOLATILE AS 'BEGIN INSERT INTO side_effects VALUES (1); RETURN 1; END'`)
	cfg.QueryStats.Explain.Enabled = true
	cfg.QueryStats.Explain.TopN = 10
	c := collectorNamed(t, cfg, "postgresql.query_stats")
	now := time.Now()
	collect(t, c, now)

	conn := srv.Conn(t)
	ctx := context.Background()
	for _, q := range []string{"SELECT bump()", "UPDATE items SET v = 'x' WHERE id = 1"} {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := conn.Exec(ctx, "SELECT v FROM items WHERE id = $1 AND v <> 'hidden_literal'", 42); err != nil {
		t.Fatal(err)
	}
	var before int
	conn.QueryRow(ctx, "SELECT count(*) FROM side_effects").Scan(&before)

	b := collect(t, c, now.Add(time.Minute))
	var after int
	conn.QueryRow(ctx, "SELECT count(*) FROM side_effects").Scan(&after)
	if after != before {
		t.Fatalf("side_effects grew from %d to %d rows: EXPLAIN executed something", before, after)
	}
	plans := map[string]string{}
	for _, ev := range events(b.Logs, "db.server.query_plan") {
		text, _ := ev.Attributes().Get("db.query.text")
		src, _ := ev.Attributes().Get("dbintel.query_plan.source")
		if src.Str() != "explain" {
			t.Fatalf("source %q", src.Str())
		}
		plan, _ := ev.Attributes().Get("postgresql.query_plan")
		plans[text.Str()] = plan.Str()
	}
	var sawBump, sawItems bool
	for text, body := range plans {
		switch {
		case strings.Contains(text, "UPDATE"):
			t.Fatalf("a non-SELECT was explained: %s", text)
		case strings.Contains(text, "bump ( )") || strings.Contains(text, "bump()"):
			sawBump = true
		case strings.Contains(text, "FROM items"):
			sawItems = true // generic plan via PREPARE on 15
			if strings.Contains(body, "hidden_literal") || !strings.Contains(body, "Index Cond") {
				t.Fatalf("items plan: literal leaked or index condition lost: %s", body)
			}
		}
	}
	if !sawBump || !sawItems {
		t.Fatalf("plans for bump() %v and the parameterised items query %v; got %v", sawBump, sawItems, plans)
	}
	// Budget: the same statements are not explained again within the hour.
	if _, err := conn.Exec(ctx, "SELECT bump()"); err != nil {
		t.Fatal(err)
	}
	b = collect(t, c, now.Add(2*time.Minute))
	if n := len(events(b.Logs, "db.server.query_plan")); n != 0 {
		t.Fatalf("%d plans re-explained within the hourly budget", n)
	}
}

// TestExplainFunction: with a DBA's explain function configured, an UPDATE
// is a candidate too; it is planned through the function, not executed.
func TestExplainFunction(t *testing.T) {
	srv, cfg := startServer(t)
	srv.Exec(t, `CREATE TABLE items (id int PRIMARY KEY, v text);
INSERT INTO items VALUES (1, 'before');
CREATE SCHEMA dbintel;
CREATE FUNCTION dbintel.explain(q text) RETURNS text LANGUAGE plpgsql AS $f$
DECLARE r text;
BEGIN
  EXECUTE 'EXPLAIN (FORMAT JSON) ' || regexp_replace(q, '\$[0-9]+', 'NULL', 'g') INTO r;
  RETURN r;
END $f$`)
	cfg.QueryStats.Explain = ExplainConfig{Enabled: true, TopN: 10, PerQueryPerHour: 1, ErrorTTL: time.Hour, Function: "dbintel.explain"}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	c := collectorNamed(t, cfg, "postgresql.query_stats")
	now := time.Now()
	collect(t, c, now)
	conn := srv.Conn(t)
	ctx := context.Background()
	// No constant, and not idempotent: executing the explained text again
	// would change the row.
	if _, err := conn.Exec(ctx, "UPDATE items SET v = v || v"); err != nil {
		t.Fatal(err)
	}
	b := collect(t, c, now.Add(time.Minute))
	var v string
	conn.QueryRow(ctx, "SELECT v FROM items WHERE id = 1").Scan(&v)
	if v != "beforebefore" {
		t.Fatalf("v = %q after the scrape: an explained UPDATE ran", v)
	}
	var sawUpdate bool
	for _, ev := range events(b.Logs, "db.server.query_plan") {
		if text, _ := ev.Attributes().Get("db.query.text"); strings.HasPrefix(text.Str(), "UPDATE items") {
			sawUpdate = true
			if plan, _ := ev.Attributes().Get("postgresql.query_plan"); !strings.Contains(plan.Str(), `"Node Type":"ModifyTable"`) {
				t.Fatalf("UPDATE plan: %s", plan.Str())
			}
		}
	}
	if !sawUpdate {
		t.Fatal("no plan for the UPDATE through the explain function")
	}
}
