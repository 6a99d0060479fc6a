package mysql

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// TestExplainerBudgetAndCachesLive drives the explainer on a real server:
// one EXPLAIN per query per hour, a failing statement not retried within
// the hour, a new hour allowing one more, an unchanged plan not re-sent.
func TestExplainerBudgetAndCachesLive(t *testing.T) {
	srv, cfg := startServer(t)
	db := srv.DB(t, "test")
	mustExec(t, db, sampleSchema)
	reg := prometheus.NewPedanticRegistry()
	m := newSelfMetrics(reg)
	mc, err := parseDSN(cfg.DSN.Value(), cfg.QueryTimeout)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := newConn(mc, cfg.QueryTimeout, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.log = discardLogger()
	e := newExplainer(cfg.Explain, newSamples(testTarget(), nil, cfg, nil, m).obf, m)
	good := session{id: 1, db: "test", command: "Query", digest: "d1",
		text: "SELECT c.name FROM customers c JOIN orders o ON o.customer_id = c.id WHERE o.note = 'abc'"}
	bad := session{id: 2, db: "test", command: "Query", digest: "d2", text: "SELECT * FROM no_such_table WHERE x = 1"}
	write := session{id: 3, db: "test", command: "Query", digest: "d3", text: "DELETE FROM customers WHERE id = 1"}
	run := func(now time.Time) []planResult {
		var out []planResult
		err := conn.Do(context.Background(), func(ctx context.Context, c *sql.Conn, info serverInfo) error {
			out = e.run(ctx, c, info, []session{good, bad, write}, now)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	outcome := func(o string) float64 { return testutil.ToFloat64(m.explains.WithLabelValues(o)) }
	t0 := time.Now()
	out := run(t0)
	if len(out) != 1 || out[0].queryID != "d1" || strings.Contains(string(out[0].plan), "abc") {
		t.Fatalf("first run: %+v", out)
	}
	if outcome("error") != 1 || outcome("rejected") != 1 {
		t.Fatalf("error=%v rejected=%v", outcome("error"), outcome("rejected"))
	}
	if out := run(t0.Add(time.Minute)); len(out) != 0 || outcome("skipped_budget") != 1 || outcome("skipped_error_cache") != 1 {
		t.Fatalf("within the hour: %d plans, budget=%v errcache=%v", len(out), outcome("skipped_budget"), outcome("skipped_error_cache"))
	}
	// An hour later: the budget is renewed and the failing statement is
	// retried (and fails again); the plan goes out again, once per hour.
	if out := run(t0.Add(61 * time.Minute)); len(out) != 1 || outcome("error") != 2 {
		t.Fatalf("next hour: %d plans, errors=%v", len(out), outcome("error"))
	}
	var cnt int
	if err := db.QueryRow("SELECT COUNT(*) FROM customers WHERE id = 1").Scan(&cnt); err != nil || cnt != 1 {
		t.Fatalf("the DELETE must never run: count=%d err=%v", cnt, err)
	}
}
