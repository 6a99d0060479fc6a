package pgtest

import (
	"context"
	"testing"
)

func TestStartStopRestart(t *testing.T) {
	s := Start(t)
	ctx := context.Background()
	s.Exec(t, "CREATE TABLE kept (v int); INSERT INTO kept VALUES (42)")
	var track, preload string
	c := s.Conn(t)
	if err := c.QueryRow(ctx, "SELECT current_setting('pg_stat_statements.track'), current_setting('shared_preload_libraries')").Scan(&track, &preload); err != nil {
		t.Fatal(err)
	}
	if track != "all" || preload != "pg_stat_statements,auto_explain" {
		t.Fatalf("settings: track=%q preload=%q", track, preload)
	}
	if _, err := c.Exec(ctx, "SELECT count(*) FROM pg_stat_statements"); err != nil {
		t.Fatalf("extension not usable: %v", err)
	}
	s.Stop()
	if _, err := c.Exec(ctx, "SELECT 1"); err == nil {
		t.Fatal("query succeeded on a stopped server")
	}
	s.Start()
	var v int
	if err := s.Conn(t).QueryRow(ctx, "SELECT v FROM kept").Scan(&v); err != nil || v != 42 {
		t.Fatalf("data after restart: v=%d err=%v", v, err)
	}
}

func TestWithSetting(t *testing.T) {
	s := Start(t, WithSetting("log_destination", "'jsonlog'"))
	var dest string
	if err := s.Conn(t).QueryRow(context.Background(), "SHOW log_destination").Scan(&dest); err != nil || dest != "jsonlog" {
		t.Fatalf("log_destination=%q err=%v", dest, err)
	}
}

func TestStandby(t *testing.T) {
	p := Start(t)
	s := StartStandby(t, p)
	var inRecovery bool
	if err := s.Conn(t).QueryRow(context.Background(), "SELECT pg_is_in_recovery()").Scan(&inRecovery); err != nil || !inRecovery {
		t.Fatalf("standby in recovery = %v, err %v", inRecovery, err)
	}
	var senders int
	p.Conn(t).QueryRow(context.Background(), "SELECT count(*) FROM pg_stat_replication").Scan(&senders)
	if senders != 1 {
		t.Fatalf("%d standbys connected to the primary, want 1", senders)
	}
}
