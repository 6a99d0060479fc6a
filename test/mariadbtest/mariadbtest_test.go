package mariadbtest

import "testing"

func TestStartQueryStop(t *testing.T) {
	s := Start(t)
	db := s.DB(t, "test")
	if _, err := db.Exec("CREATE TABLE kept (v int); INSERT INTO kept VALUES (42)"); err != nil {
		t.Fatal(err)
	}
	var v int
	var version string
	if err := db.QueryRow("SELECT v, VERSION() FROM kept").Scan(&v, &version); err != nil || v != 42 {
		t.Fatalf("v=%d err=%v", v, err)
	}
	t.Logf("server %s", version)
	s.Stop()
	if err := db.Ping(); err == nil {
		t.Fatal("ping succeeded on a stopped server")
	}
	s.Stop() // idempotent
}

func TestPerformanceSchemaAndRestart(t *testing.T) {
	s := Start(t, WithPerformanceSchema())
	db := s.DB(t, "")
	var on string
	if err := db.QueryRow("SELECT ENABLED FROM performance_schema.setup_consumers WHERE NAME = 'events_statements_current'").Scan(&on); err != nil || on != "YES" {
		t.Fatalf("events_statements_current = %q, %v", on, err)
	}
	port := s.Port()
	s.Restart()
	if s.Port() != port {
		t.Fatal("restart moved the port")
	}
	if err := db.Ping(); err != nil {
		t.Fatalf("ping after restart: %v", err)
	}
	var ps int
	if err := db.QueryRow("SELECT @@performance_schema").Scan(&ps); err != nil || ps != 1 {
		t.Fatalf("options lost on restart: %d %v", ps, err)
	}
}
