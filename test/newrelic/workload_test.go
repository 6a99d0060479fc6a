package newrelic

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/dbintel/dbintel/test/mariadbtest"
	"github.com/dbintel/dbintel/test/pgtest"
	"github.com/jackc/pgx/v5"
)

// planChangeAfter is when the index that changes the customer lookup's
// plan is created: after the scraper read the first plans.
const planChangeAfter = 5 * time.Second

// pgSetup creates the schema the workload uses: a table with an index, a
// plpgsql function (tracked with track_functions=all), and vacuumed stats;
// the customer index comes later (planChangeAfter).
func pgSetup(t *testing.T, pg *pgtest.Server) {
	t.Helper()
	pg.Exec(t, `CREATE TABLE orders(id serial PRIMARY KEY, customer int, amount numeric, note text);
		INSERT INTO orders(customer, amount, note) SELECT g % 100, g, md5(g::text) FROM generate_series(1, 20000) g;
		CREATE FUNCTION order_total(c int) RETURNS numeric LANGUAGE plpgsql AS $$
		BEGIN RETURN (SELECT sum(amount) FROM orders WHERE customer = c); END $$;
		ANALYZE orders`)
	pg.Exec(t, `VACUUM orders`)
}

// pgWorkload runs statements of every kind the dashboards count until ctx
// ends: index and sequential scans, DML, function calls, rollbacks, sorts
// that spill to temp files, sleeps (a wait event), a blocking chain every
// few seconds and one deadlock.
func pgWorkload(ctx context.Context, t *testing.T, pg *pgtest.Server, wg *sync.WaitGroup) {
	conns := make([]*pgx.Conn, 5)
	for i := range conns {
		conns[i] = pg.Conn(t)
	}
	run := func(c *pgx.Conn, sql string, args ...any) { _, _ = c.Exec(ctx, sql, args...) }
	loop := func(f func(i int)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ctx.Err() == nil; i++ {
				f(i)
			}
		}()
	}
	loop(func(i int) {
		c := conns[0]
		run(c, "SELECT * FROM orders WHERE customer = $1", i%100)
		run(c, "SELECT count(*) FROM orders WHERE note LIKE 'a%'")
		run(c, "UPDATE orders SET amount = amount + 1 WHERE id = $1", i%20000+1)
		run(c, "INSERT INTO orders(customer, amount, note) VALUES ($1, 1, 'n')", i%100)
		run(c, "DELETE FROM orders WHERE id = (SELECT max(id) FROM orders) AND note = 'n'")
		run(c, "SELECT order_total($1)", i%100)
		run(c, "BEGIN; UPDATE orders SET note = note WHERE id = 7; ROLLBACK")
		run(c, "SET work_mem = '64kB'; SELECT note FROM orders ORDER BY note OFFSET 19999; RESET work_mem")
		time.Sleep(100 * time.Millisecond)
	})
	loop(func(int) { run(conns[1], "SELECT pg_sleep(0.5)") })
	// A plan change: the customer lookup runs as a sequential scan until
	// an index appears a few seconds in.
	wg.Add(1)
	go func() {
		defer wg.Done()
		select {
		case <-ctx.Done():
		case <-time.After(planChangeAfter):
			if c, err := pgx.Connect(ctx, pg.DSN()); err == nil {
				run(c, "CREATE INDEX orders_customer ON orders(customer); ANALYZE orders")
				_ = c.Close(context.Background())
			}
		}
	}()
	// Blocking chain: the holder keeps a row locked for 3 s while a
	// second session waits for it.
	loop(func(int) {
		tx, err := conns[2].Begin(ctx)
		if err != nil {
			return
		}
		_, _ = tx.Exec(ctx, "UPDATE orders SET note = 'held' WHERE id = 1")
		waited := make(chan struct{})
		go func() { run(conns[3], "UPDATE orders SET note = 'waiter' WHERE id = 1"); close(waited) }()
		select {
		case <-ctx.Done():
		case <-time.After(3 * time.Second):
		}
		_ = tx.Rollback(context.Background())
		<-waited
		time.Sleep(500 * time.Millisecond)
	})
	// One deadlock: two sessions lock rows 2 and 3 in opposite order.
	wg.Add(1)
	go func() {
		defer wg.Done()
		a, b := conns[4], pg.Conn(t)
		run(a, "BEGIN; UPDATE orders SET note = 'a' WHERE id = 2")
		run(b, "BEGIN; UPDATE orders SET note = 'b' WHERE id = 3")
		done := make(chan struct{})
		go func() { run(a, "UPDATE orders SET note = 'a' WHERE id = 3"); close(done) }()
		time.Sleep(200 * time.Millisecond)
		run(b, "UPDATE orders SET note = 'b' WHERE id = 2")
		<-done
		run(a, "ROLLBACK")
		run(b, "ROLLBACK")
	}()
}

// mariaSetup creates the schema of the MariaDB workload.
func mariaSetup(t *testing.T, db *sql.DB) {
	t.Helper()
	for _, s := range []string{
		"CREATE DATABASE shop",
		"CREATE TABLE shop.orders (id INT AUTO_INCREMENT PRIMARY KEY, customer INT, amount DECIMAL(12,2), note VARCHAR(64), KEY (customer)) ENGINE=InnoDB",
		"INSERT INTO shop.orders (customer, amount, note) SELECT seq % 100, seq, MD5(seq) FROM shop.seq_1_to_5000",
		"ANALYZE TABLE shop.orders",
	} {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("mariadb setup %q: %v", s, err)
		}
	}
}

// mariaReplicate makes replica replicate from source, with a delay, and
// writes on the source so the replica has something to apply.
func mariaReplicate(t *testing.T, replica, source *mariadbtest.Server) {
	t.Helper()
	db := replica.DB(t, "")
	for _, s := range []string{
		fmt.Sprintf("CHANGE MASTER TO MASTER_HOST = '127.0.0.1', MASTER_PORT = %d, MASTER_USER = 'root', MASTER_USE_GTID = no, MASTER_DELAY = 1", source.Port()),
		"START SLAVE",
	} {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("mariadb replica %q: %v", s, err)
		}
	}
	t.Cleanup(func() { _, _ = db.Exec("STOP SLAVE") })
	if _, err := source.DB(t, "test").Exec("CREATE TABLE replicated (id INT PRIMARY KEY)"); err != nil {
		t.Fatal(err)
	}
}

// mariaWorkload runs reads, DML, prepared statements, slow queries
// (long_query_time=0 counts every statement), temp tables, full joins and
// a row lock wait every few seconds until ctx ends.
func mariaWorkload(ctx context.Context, t *testing.T, m *mariadbtest.Server, wg *sync.WaitGroup) {
	db := m.DB(t, "shop")
	db.SetMaxOpenConns(6)
	loop := func(f func(i int)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ctx.Err() == nil; i++ {
				f(i)
			}
		}()
	}
	loop(func(i int) {
		c, err := db.Conn(ctx)
		if err != nil {
			return
		}
		defer c.Close()
		for _, s := range []string{
			"SET SESSION long_query_time = 0",
			fmt.Sprintf("SELECT * FROM orders WHERE customer = %d", i%100),
			"SELECT note, COUNT(*) FROM orders GROUP BY note ORDER BY RAND() LIMIT 5",
			"SELECT COUNT(*) FROM orders a JOIN orders b ON a.amount = b.amount WHERE a.id < 300",
			fmt.Sprintf("UPDATE orders SET amount = amount + 1 WHERE id = %d", i%5000+1),
			"INSERT INTO orders (customer, amount, note) VALUES (1, 1, 'n')",
			"DELETE FROM orders WHERE note = 'n' ORDER BY id DESC LIMIT 1",
		} {
			_, _ = c.ExecContext(ctx, s)
		}
		var amount float64 // a query with an argument runs as a server-side prepared statement
		_ = c.QueryRowContext(ctx, "SELECT amount FROM orders WHERE id = ?", i%5000+1).Scan(&amount)
		time.Sleep(100 * time.Millisecond)
	})
	loop(func(int) { _, _ = db.ExecContext(ctx, "SELECT SLEEP(0.5)") })
	loop(func(int) {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return
		}
		_, _ = tx.Exec("UPDATE orders SET note = 'held' WHERE id = 1")
		waited := make(chan struct{})
		go func() { _, _ = db.ExecContext(ctx, "UPDATE orders SET note = 'waiter' WHERE id = 1"); close(waited) }()
		select {
		case <-ctx.Done():
		case <-time.After(3 * time.Second):
		}
		_ = tx.Rollback()
		<-waited
		time.Sleep(500 * time.Millisecond)
	})
}
