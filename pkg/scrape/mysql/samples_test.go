package mysql

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/dbintel/dbintel/pkg/contract"
)

const sampleSchema = `
CREATE TABLE customers (id INT PRIMARY KEY, name VARCHAR(64) NOT NULL, region INT NOT NULL, KEY region_idx (region));
CREATE TABLE orders (id INT PRIMARY KEY, customer_id INT NOT NULL, amount DECIMAL(10,2) NOT NULL, note VARCHAR(64) NOT NULL, KEY customer_idx (customer_id));
INSERT INTO customers SELECT seq, CONCAT('customer ', seq), seq % 10 FROM seq_1_to_200;
INSERT INTO orders SELECT seq, 1 + seq % 200, seq % 997, MD5(seq) FROM seq_1_to_2000;
ANALYZE TABLE customers, orders;`

// The blocked SELECT: a join whose literals must not reach the plan.
const blockedSelect = "SELECT c.name, o.amount FROM customers c JOIN orders o ON o.customer_id = c.id WHERE c.region = 3 AND o.note <> 'topsecret' FOR UPDATE"

// connID opens a dedicated connection and returns it with its thread id.
func connID(t *testing.T, db *sql.DB) (*sql.Conn, int64) {
	t.Helper()
	c, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	var id int64
	if err := c.QueryRowContext(context.Background(), "SELECT CONNECTION_ID()").Scan(&id); err != nil {
		t.Fatal(err)
	}
	return c, id
}

// waitLockWaits polls until n transactions wait on a lock (no timing
// assertion: the deadline only bounds a broken test).
func waitLockWaits(t *testing.T, db *sql.DB, n int) {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		var got int
		if err := db.QueryRow("SELECT COUNT(*) FROM information_schema.INNODB_TRX WHERE trx_state = 'LOCK WAIT'").Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got >= n {
			return
		}
	}
	// Say what the server was doing, for a run on a starved machine.
	var state []string
	if rows, err := db.Query("SELECT ID, COMMAND, COALESCE(STATE, ''), COALESCE(INFO, '') FROM information_schema.PROCESSLIST"); err == nil {
		for rows.Next() {
			var id int64
			var cmd, st, info string
			if rows.Scan(&id, &cmd, &st, &info) == nil {
				state = append(state, fmt.Sprintf("%d %s %q %.60q", id, cmd, st, info))
			}
		}
		rows.Close()
	}
	t.Fatalf("fewer than %d lock waits after 60s; sessions:\n%s", n, strings.Join(state, "\n"))
}

func sampleOf(ld plog.Logs, id int64) (plog.LogRecord, bool) {
	for _, lr := range events(ld, contract.EventQuerySample) {
		if attr(lr, contract.MySQLSessionID).Int() == id {
			return lr, true
		}
	}
	return plog.LogRecord{}, false
}

// TestSamplesBlockingAndExplainLive: A holds a row lock, B (a SELECT ...
// FOR UPDATE join) and C (an UPDATE) wait on it. One sample must show
// both waits, one blocking chain A -> B, C, and a plan for B's SELECT with
// its literals masked, while C's UPDATE is never explained.
func TestSamplesBlockingAndExplainLive(t *testing.T) {
	srv, cfg := startServer(t)
	db := srv.DB(t, "test")
	mustExec(t, db, sampleSchema)
	cfg.Explain.Enabled = true
	ctx := context.Background()

	a, aID := connID(t, db)
	b, bID := connID(t, db)
	c, cID := connID(t, db)
	if _, err := a.ExecContext(ctx, "BEGIN"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.ExecContext(ctx, "UPDATE customers SET name = 'held' WHERE id = 3"); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 2)
	go func() {
		_, err := b.ExecContext(ctx, "SET SESSION innodb_lock_wait_timeout = 120")
		if err == nil {
			var rows *sql.Rows
			rows, err = b.QueryContext(ctx, blockedSelect)
			if err == nil {
				rows.Close()
			}
		}
		done <- err
	}()
	go func() {
		_, err := c.ExecContext(ctx, "UPDATE customers SET name = 'leak' WHERE id = 3")
		done <- err
	}()
	waitLockWaits(t, db, 2)

	col := collectorNamed(t, cfg, "mysql.samples")
	batch := collect(t, col, time.Now())
	if _, err := a.ExecContext(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := <-done; err != nil {
			t.Errorf("waiter: %v", err)
		}
	}

	ld := batch.Logs
	bl := events(ld, contract.EventBlocking)
	if len(bl) != 1 {
		t.Fatalf("blocking events = %d, want 1", len(bl))
	}
	if root := attr(bl[0], contract.MySQLBlockingRoot).Int(); root != aID {
		t.Errorf("root = %d, want A = %d", root, aID)
	}
	chain := attr(bl[0], contract.AttrBlockingChain).Slice().AsRaw()
	if len(chain) != 3 || chain[0] != aID || !contains(chain, bID) || !contains(chain, cID) {
		t.Errorf("chain = %v, want [%d %d %d] (any waiter order)", chain, aID, bID, cID)
	}
	if rel := attr(bl[0], contract.MySQLBlockingLockRel).Str(); !strings.Contains(rel, "customers") {
		t.Errorf("lock relation = %q", rel)
	}
	for _, id := range []int64{bID, cID} {
		s, ok := sampleOf(ld, id)
		if !ok {
			t.Fatalf("no sample for waiter %d", id)
		}
		// C also waits behind B's queued lock request: InnoDB lists both.
		if got := attr(s, contract.MySQLBlockers).Str(); !strings.Contains(got, fmt.Sprintf(`"session_id":%d}`, aID)) ||
			attr(s, contract.MySQLBlockerCount).Int() < 1 {
			t.Errorf("waiter %d blocked by %s, want A (%d) among them", id, got, aID)
		}
		if attr(s, contract.MySQLThreadID).Int() <= 0 || attr(s, contract.MySQLSessionStatus).Str() != contract.MySQLStatusWaiting {
			t.Errorf("waiter %d: %v", id, s.Attributes().AsRaw())
		}
		// The statement has been waiting since before the sample: its
		// duration comes from the running statement's timer (seconds).
		if d := attr(s, contract.MySQLStatementTimerWait).Double(); d <= 0 || d > 60 {
			t.Errorf("waiter %d duration = %v s", id, d)
		}
		if attr(s, contract.MySQLWaitEventType).Str() != "lock" {
			t.Errorf("waiter %d wait_event_type = %q, want lock", id, attr(s, contract.MySQLWaitEventType).Str())
		}
		if txt := attr(s, contract.AttrQueryText).Str(); strings.Contains(txt, "topsecret") || strings.Contains(txt, "leak") {
			t.Errorf("literal in sample text %q", txt)
		}
	}
	if own := col.(*samples).conn.info.ownID; own == 0 {
		t.Error("own connection id unknown")
	} else if _, ok := sampleOf(ld, own); ok {
		t.Error("the scraper sampled its own session")
	}
	if _, ok := sampleOf(ld, aID); ok {
		t.Error("idle-in-transaction blocker A must not be a query sample")
	}
	if n := len(points(batch.Metrics, "mysql.sessions", "wait_event_type", "lock")); n == 0 {
		t.Error("no mysql.sessions point for lock waits")
	}

	plans := events(ld, contract.EventQueryPlan)
	if len(plans) != 1 {
		t.Fatalf("plan events = %d, want 1 (the SELECT, never the UPDATE)", len(plans))
	}
	p := plans[0]
	if op := attr(p, contract.AttrOperationName).Str(); op != "SELECT" {
		t.Errorf("explained a %s", op)
	}
	body := attr(p, contract.MySQLQueryPlan).Str()
	if strings.Contains(body, "topsecret") || !strings.Contains(body, "customers") && !strings.Contains(body, `"c"`) {
		t.Errorf("plan body not masked or lost structure: %s", body)
	}
	if !strings.Contains(body, "nested_loop") || attr(p, contract.MySQLQueryPlanSource).Str() != contract.EventQuerySample || attr(p, contract.AttrNamespace).Str() != "test" {
		t.Errorf("plan event: %v\n%s", p.Attributes().AsRaw(), body)
	}
	var name string
	if err := db.QueryRow("SELECT name FROM customers WHERE id = 3").Scan(&name); err != nil || name != "leak" {
		t.Errorf("C's UPDATE ran once after the rollback: name=%q err=%v", name, err)
	}
}

func contains(s []any, v int64) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
