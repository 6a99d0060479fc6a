package verify

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/dbintel/dbintel/test/mariadbtest"
)

// TestRealMariaDBLogs provokes a deadlock on a real MariaDB with
// innodb_print_all_deadlocks (the error log then holds both statements and
// the locked rows' bytes), a duplicate entry and a rejected value (the
// driver's error texts, as an app's exception.message), and checks that no
// planted value gets past the verifier. Error-log records are grouped as a
// multi-line shipper does: a line that does not start with a date continues
// the record before it.
func TestRealMariaDBLogs(t *testing.T) {
	if testing.Short() {
		t.Skip("starts MariaDB")
	}
	errLog := filepath.Join(t.TempDir(), "mariadb.err")
	srv := mariadbtest.Start(t, mariadbtest.WithArgs("--innodb-print-all-deadlocks=ON", "--log-error="+errLog))
	db := srv.DB(t, "test")
	ctx := context.Background()
	if _, err := db.Exec("CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(32) UNIQUE); INSERT INTO t VALUES (1, 'a'), (2, 'b')"); err != nil {
		t.Fatal(err)
	}
	a, b := conn(t, db), conn(t, db)
	mustExec(t, a, "BEGIN")
	mustExec(t, b, "BEGIN")
	mustExec(t, a, "UPDATE t SET v = 'zzfirst_a' WHERE id = 1")
	mustExec(t, b, "UPDATE t SET v = 'zzfirst_b' WHERE id = 2")
	blocked := make(chan error, 1)
	go func() { _, err := a.ExecContext(ctx, "UPDATE t SET v = 'zzsecond_a' WHERE id = 2"); blocked <- err }()
	var errs []string
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) { // b's update deadlocks once a waits for row 2
		_, err := b.ExecContext(ctx, "UPDATE t SET v = 'zzsecond_b' WHERE id = 1")
		if err != nil && strings.Contains(err.Error(), "Deadlock") {
			errs = append(errs, err.Error())
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	mustExec(t, b, "ROLLBACK")
	if err := <-blocked; err != nil {
		errs = append(errs, err.Error())
	}
	mustExec(t, a, "ROLLBACK")
	for _, q := range []string{"INSERT INTO t VALUES (1, 'x')", "INSERT INTO t VALUES (3, 'zzdup_one'), (4, 'zzdup_one')",
		"INSERT INTO t (id) VALUES ('zzbad_int')"} {
		if _, err := db.Exec(q); err != nil {
			errs = append(errs, err.Error())
		}
	}
	var errorLog string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		b, _ := os.ReadFile(errLog)
		if errorLog = string(b); strings.Contains(errorLog, "WE ROLL BACK") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !strings.Contains(errorLog, "zzsecond_") || !strings.Contains(strings.Join(errs, "\n"), "zzdup_one") {
		t.Fatalf("the server did not write the planted values; the test covers nothing:\nerrors %q\nlog %s", errs, errorLog)
	}

	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("db.system.name", "mariadb")
	recs := rl.ScopeLogs().AppendEmpty().LogRecords()
	for _, rec := range regexp.MustCompile(`\n(?:\d{4}-\d\d-\d\d)`).Split(errorLog, -1) {
		recs.AppendEmpty().Body().SetStr(rec)
	}
	for _, e := range errs {
		recs.AppendEmpty().Attributes().PutStr("exception.message", e)
	}
	v, _ := newTest(t, nil)
	for i := 0; i < recs.Len(); i++ {
		v.logRecord(recs.At(i), rl.Resource().Attributes(), v.window())
	}
	after, _ := (&plog.JSONMarshaler{}).MarshalLogs(ld)
	for _, loc := range secretRE.FindAllIndex(after, -1) {
		t.Errorf("left in the verified logs: …%s…", after[max(loc[0]-160, 0):min(loc[1]+40, len(after))])
	}
	for _, want := range []string{"Duplicate entry '?' for key", "UPDATE t SET v = ? WHERE id = ?", "; hex ?;"} {
		if !strings.Contains(string(after), want) {
			t.Errorf("verified logs lack %q", want)
		}
	}
}

func conn(t *testing.T, db *sql.DB) *sql.Conn {
	t.Helper()
	c, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func mustExec(t *testing.T, c *sql.Conn, q string) {
	t.Helper()
	if _, err := c.ExecContext(context.Background(), q); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}
