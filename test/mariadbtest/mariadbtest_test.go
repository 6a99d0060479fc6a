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
