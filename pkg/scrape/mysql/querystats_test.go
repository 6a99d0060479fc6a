package mysql

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/dbintel/dbintel/pkg/contract"
	"github.com/dbintel/dbintel/pkg/scrape"
	"github.com/dbintel/dbintel/test/mariadbtest"
)

// topByText finds the top_query event whose text contains sub.
func topByText(t *testing.T, ld plog.Logs, sub string) plog.LogRecord {
	t.Helper()
	for _, lr := range events(ld, contract.EventTopQuery) {
		if strings.Contains(attr(lr, contract.AttrQueryText).Str(), sub) {
			return lr
		}
	}
	var texts []string
	for _, lr := range events(ld, contract.EventTopQuery) {
		texts = append(texts, attr(lr, contract.AttrQueryText).Str())
	}
	t.Fatalf("no top_query event with text containing %q in %q", sub, texts)
	return plog.LogRecord{}
}

func TestQueryStatsLive(t *testing.T) {
	srv, cfg := startServer(t)
	db := srv.DB(t, "test")
	db.SetMaxOpenConns(1)
	mustExec(t, db, "CREATE TABLE acct (id INT PRIMARY KEY, owner VARCHAR(20))")
	mustExec(t, db, "INSERT INTO acct VALUES (1, 'alice'), (2, 'bob')")
	c := collectorNamed(t, cfg, "mysql.query_stats")
	t0 := time.Now()
	if b := collect(t, c, t0); !b.Empty() {
		t.Fatal("baseline run must send nothing")
	}
	// Text protocol with literals: MariaDB leaves binary-protocol
	// (prepared) executions out of the digest table.
	for i := range 100 {
		mustExec(t, db, fmt.Sprintf("SELECT owner FROM acct WHERE id = %d OR owner = 'alice'", i))
	}
	mustExec(t, db, "SELECT SLEEP(0.2)")
	b := collect(t, c, t0.Add(time.Minute))

	lr := topByText(t, b.Logs, "FROM `acct`")
	if got := attr(lr, contract.MySQLCountStar).Int(); got != 100 {
		t.Errorf("count_star = %d, want exactly 100", got)
	}
	digest := attr(lr, contract.MySQLDigest).Str()
	if strings.Contains(attr(lr, contract.AttrQueryText).Str(), "alice") || digest == "" {
		t.Errorf("bad text/digest: %v", lr.Attributes().AsRaw())
	}
	if ns := attr(lr, contract.AttrNamespace).Str(); ns != "test" {
		t.Errorf("db.namespace = %q", ns)
	}
	if op := attr(lr, contract.AttrOperationName).Str(); op != "SELECT" {
		t.Errorf("db.operation.name = %q", op)
	}
	// Every statement returns alice's row, id = 2 also bob's.
	if sent := attr(lr, contract.MySQLSumRowsSent).Int(); sent != 101 {
		t.Errorf("sum_rows_sent = %d, want exactly 101", sent)
	}
	if ex := attr(lr, contract.MySQLSumRowsExamined).Int(); ex < 101 {
		t.Errorf("sum_rows_examined = %d, want >= 101", ex)
	}
	if h := attr(lr, contract.AttrQueryTextHash).Str(); len(h) != 32 {
		t.Errorf("normalized hash = %q", h)
	}
	sleep := topByText(t, b.Logs, "SLEEP")
	if d := attr(sleep, contract.MySQLSumTimerWait).Double(); d < 0.19 || d > 5 {
		t.Errorf("SLEEP(0.2) sum_timer_wait = %v s, want about 0.2 (picoseconds converted)", d)
	}
	if sleep.Timestamp() == 0 || attr(sleep, contract.MySQLCountStar).Int() != 1 {
		t.Errorf("sleep event: %v", sleep.Attributes().AsRaw())
	}
	// The per-digest metrics carry the digest table's cumulative values.
	calls := points(b.Metrics, "mysql.statement_event.count", "schema", "test", "digest", digest, "kind", "rows_sent")
	if len(calls) != 1 || calls[0].value() < 100 || calls[0].metric.Sum().IsMonotonic() {
		t.Errorf("statement_event.count rows_sent = %v", calls)
	}
	if w := points(b.Metrics, "mysql.statement_event.wait.time", "schema", "test", "digest", digest); len(w) != 1 || w[0].metric.Unit() != "ns" || w[0].value() <= 0 {
		t.Errorf("statement_event.wait.time = %v", w)
	}
	// The scraper's own statements are not instrumented.
	for _, e := range events(b.Logs, contract.EventTopQuery) {
		if strings.Contains(attr(e, contract.AttrQueryText).Str(), "events_statements_summary_by_digest") {
			t.Errorf("scraper's own statement reported: %s", attr(e, contract.AttrQueryText).Str())
		}
	}

	// TRUNCATE resets every row: the next interval holds exactly the calls
	// made after it, never a negative or the old totals.
	mustExec(t, db, "TRUNCATE TABLE performance_schema.events_statements_summary_by_digest")
	for i := range 7 {
		mustExec(t, db, fmt.Sprintf("SELECT owner FROM acct WHERE id = %d OR owner = 'alice'", i))
	}
	b = collect(t, c, t0.Add(2*time.Minute))
	lr = topByText(t, b.Logs, "FROM `acct`")
	if got := attr(lr, contract.MySQLCountStar).Int(); got != 7 {
		t.Errorf("count_star after TRUNCATE = %d, want exactly 7", got)
	}
	for _, e := range events(b.Logs, contract.EventTopQuery) {
		if attr(e, contract.MySQLCountStar).Int() < 0 || attr(e, contract.MySQLSumTimerWait).Double() < 0 {
			t.Errorf("negative after reset: %v", e.Attributes().AsRaw())
		}
	}
}

func TestQueryStatsDisabledConsumer(t *testing.T) {
	srv, cfg := startServer(t, mariadbtest.WithArgs("--performance-schema=ON", "--performance-schema-consumer-statements-digest=OFF"))
	c := collectorNamed(t, cfg, "mysql.query_stats")
	_, err := c.Collect(context.Background(), time.Now())
	var d *scrape.DisabledError
	if !errorsAs(err, &d) {
		t.Fatalf("want DisabledError, got %v", err)
	}
	want := "UPDATE performance_schema.setup_consumers SET ENABLED = 'YES' WHERE NAME IN ('statements_digest')"
	if !strings.Contains(d.Fix, want) || !strings.Contains(d.Reason, "statements_digest") {
		t.Fatalf("fix = %q, reason = %q", d.Fix, d.Reason)
	}
	// The fix works as written, and the collector comes back.
	mustExec(t, srv.DB(t, ""), strings.SplitN(d.Fix, ";", 2)[0])
	if _, err := c.Collect(context.Background(), time.Now()); err != nil {
		t.Fatalf("after the fix: %v", err)
	}
}

// TestPerformanceSchemaOff: query stats switch off naming the config line;
// samples fall back to the processlist.
func TestPerformanceSchemaOff(t *testing.T) {
	srv, cfg := startServer(t, mariadbtest.WithArgs("--performance-schema=OFF"))
	c := collectorNamed(t, cfg, "mysql.query_stats")
	_, err := c.Collect(context.Background(), time.Now())
	var d *scrape.DisabledError
	if !errorsAs(err, &d) || !strings.Contains(d.Fix, "performance_schema=ON") {
		t.Fatalf("want DisabledError naming performance_schema=ON, got %v", err)
	}

	db := srv.DB(t, "test")
	sleeper, id := connID(t, db)
	done := make(chan error, 1)
	go func() {
		_, err := sleeper.ExecContext(context.Background(), "SELECT SLEEP(30) /* 'hidden' */")
		done <- err
	}()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		var n int
		if err := db.QueryRow("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO LIKE 'SELECT SLEEP(30)%'").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("sleeper never showed up")
		}
	}
	b := collect(t, collectorNamed(t, cfg, "mysql.samples"), time.Now())
	mustExec(t, db, fmt.Sprintf("KILL QUERY %d", id))
	<-done
	s, ok := sampleOf(b.Logs, id)
	if !ok {
		t.Fatal("no processlist sample for the running statement")
	}
	if txt := attr(s, contract.AttrQueryText).Str(); txt != "SELECT SLEEP ( ? )" && !strings.HasPrefix(txt, "SELECT SLEEP") || strings.Contains(txt, "hidden") {
		t.Errorf("sample text = %q", txt)
	}
	if attr(s, contract.MySQLCommand).Str() != "Query" || attr(s, contract.AttrUserName).Str() == "" {
		t.Errorf("sample attrs: %v", s.Attributes().AsRaw())
	}
}

// TestQueryStatsInstrumentsOff: consumers on but every statement
// instrument off means nothing is counted; the fix names the UPDATE of
// setup_instruments, and it works as written.
func TestQueryStatsInstrumentsOff(t *testing.T) {
	srv, cfg := startServer(t, mariadbtest.WithArgs("--performance-schema=ON", "--performance-schema-instrument=statement/%=OFF"))
	c := collectorNamed(t, cfg, "mysql.query_stats")
	_, err := c.Collect(context.Background(), time.Now())
	var d *scrape.DisabledError
	if !errorsAs(err, &d) || !strings.HasPrefix(d.Fix, "UPDATE performance_schema.setup_instruments SET ENABLED = 'YES', TIMED = 'YES' WHERE NAME LIKE 'statement/%'") {
		t.Fatalf("want DisabledError with the setup_instruments UPDATE, got %v", err)
	}
	mustExec(t, srv.DB(t, ""), strings.SplitN(d.Fix, ";", 2)[0])
	if _, err := c.Collect(context.Background(), time.Now()); err != nil {
		t.Fatalf("after the fix: %v", err)
	}
}
