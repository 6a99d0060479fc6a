package mysql

import (
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/dbintel/dbintel/test/mariadbtest"
)

// TestReplicaMetricsLive replicates one MariaDB from another and checks the
// metrics New Relic's Replication page reads: time behind source and SQL
// delay, from a running replica.
func TestReplicaMetricsLive(t *testing.T) {
	primary := mariadbtest.Start(t, mariadbtest.WithArgs("--log-bin=primary-bin", "--server-id=1"))
	_, cfg := startServer(t, mariadbtest.WithPerformanceSchema(), mariadbtest.WithArgs("--server-id=2"))
	replica, err := sql.Open("mysql", cfg.DSN.Value())
	if err != nil {
		t.Fatal(err)
	}
	defer replica.Close()
	mustExec(t, replica, fmt.Sprintf("CHANGE MASTER TO MASTER_HOST = '127.0.0.1', MASTER_PORT = %d, MASTER_USER = 'root', MASTER_USE_GTID = no, MASTER_DELAY = 3", primary.Port()))
	mustExec(t, replica, "START SLAVE")
	defer replica.Exec("STOP SLAVE")
	mustExec(t, primary.DB(t, "test"), "CREATE TABLE r (id INT PRIMARY KEY)")

	// Poll until the SQL thread runs and reports a lag (a deadline bounds a
	// broken setup only).
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		lagging := false
		rows, err := replica.Query("SHOW SLAVE STATUS")
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
		}
		rows.Close()
		for i, c := range cols {
			lagging = lagging || c == "Seconds_Behind_Master" && vals[i].Valid
		}
		if lagging {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("replica never reported a lag: %v", vals)
		}
	}
	md := collect(t, collectorNamed(t, cfg, "mysql.metrics"), time.Now()).Metrics
	if p := points(md, "mysql.replica.time_behind_source"); len(p) != 1 || p[0].value() < 0 || p[0].metric.Unit() != "s" {
		t.Errorf("time_behind_source = %v", p)
	}
	if p := points(md, "mysql.replica.sql_delay"); len(p) != 1 || p[0].value() != 3 {
		t.Errorf("sql_delay = %v, want 3", p)
	}
	for _, name := range []string{"mysql.replica.io_thread.running", "mysql.replica.sql_thread.running"} {
		if p := points(md, name); len(p) != 1 || p[0].value() != 1 {
			t.Errorf("%s = %v, want 1", name, p)
		}
	}
}
