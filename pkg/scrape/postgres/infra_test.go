package postgres

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestInfraAgainstPostgres(t *testing.T) {
	srv, cfg := startServer(t)
	srv.Exec(t, "CREATE DATABASE app")
	c := collectorNamed(t, cfg, "postgresql.metrics")
	t0 := time.Now()
	first := collect(t, c, t0).Metrics
	if got := points(first, "postgresql.commits"); len(got) != 0 {
		t.Fatalf("first scrape emitted %d commit deltas; it must only take the baseline", len(got))
	}
	for _, name := range []string{"postgresql.backends", "postgresql.db_size", "postgresql.connection.max", "postgresql.database.count"} {
		if len(points(first, name)) == 0 {
			t.Errorf("%s missing", name)
		}
	}
	if got := points(first, "postgresql.connection.max"); len(got) == 1 && got[0].value() != 50 {
		t.Errorf("connection.max = %v, want 50 (pgtest sets max_connections=50)", got[0].value())
	}
	if got := points(first, "postgresql.database.count"); len(got) == 1 && got[0].value() != 2 {
		t.Errorf("database.count = %v, want 2 (postgres, app)", got[0].value())
	}
	if v := resourceAttr(first, "db.system.name").Str(); v != "postgresql" {
		t.Errorf("db.system.name = %q", v)
	}
	if v := resourceAttr(first, "server.port").Int(); v != int64(srv.Port()) {
		t.Errorf("server.port = %d, want %d", v, srv.Port())
	}

	conn := srv.Conn(t)
	for i := 0; i < 20; i++ {
		if _, err := conn.Exec(context.Background(), "SELECT 1"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := conn.Exec(context.Background(), "BEGIN; SELECT 1; ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	// A backend flushes its counters to pg_stat_database when it goes idle,
	// but at most once a second; one that flushed less than a second ago
	// waits for the idle timeout (10 s), which a loaded CI machine outlasts.
	// Its exit always flushes.
	if err := conn.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	var second []point
	var rollbacks []point
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		time.Sleep(1100 * time.Millisecond)
		md := collect(t, c, time.Now()).Metrics
		second = append(second, points(md, "postgresql.commits", "db.namespace", "postgres")...)
		rollbacks = append(rollbacks, points(md, "postgresql.rollbacks", "db.namespace", "postgres")...)
		var sum, rb float64
		for _, p := range second {
			sum += p.value()
		}
		for _, p := range rollbacks {
			rb += p.value()
		}
		if sum >= 20 && rb >= 1 {
			break
		}
	}
	var commits, rb float64
	for _, p := range second {
		commits += p.value()
	}
	for _, p := range rollbacks {
		rb += p.value()
	}
	if commits < 20 || rb < 1 {
		t.Fatalf("commit deltas sum to %v (want >= 20), rollbacks %v (want >= 1)", commits, rb)
	}
}

func TestInfraReconnectsAfterRestart(t *testing.T) {
	srv, cfg := startServer(t)
	c := collectorNamed(t, cfg, "postgresql.metrics")
	collect(t, c, time.Now())
	srv.Stop()
	if _, err := c.Collect(context.Background(), time.Now()); err == nil {
		t.Fatal("collect succeeded against a stopped server")
	} else if strings.Contains(err.Error(), "password") {
		t.Fatalf("error leaks connection details: %v", err)
	}
	srv.Start()
	collect(t, c, time.Now())
}
