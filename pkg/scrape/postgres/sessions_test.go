package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

func events(b plog.Logs, name string) []plog.LogRecord {
	var out []plog.LogRecord
	for i := 0; i < b.ResourceLogs().Len(); i++ {
		lrs := b.ResourceLogs().At(i).ScopeLogs().At(0).LogRecords()
		for j := 0; j < lrs.Len(); j++ {
			if lrs.At(j).EventName() == name {
				out = append(out, lrs.At(j))
			}
		}
	}
	return out
}

// intSlice reads an attribute holding pids: a slice, or PostgreSQL's
// array text "{1,2}" (postgresql.blocking.pids, as the receiver sends it).
func intSlice(lr plog.LogRecord, k string) []int64 {
	v, ok := lr.Attributes().Get(k)
	if !ok {
		return nil
	}
	var out []int64
	if v.Type() == pcommon.ValueTypeStr {
		for _, f := range strings.FieldsFunc(strings.Trim(v.Str(), "{}"), func(r rune) bool { return r == ',' }) {
			n, _ := strconv.ParseInt(f, 10, 64)
			out = append(out, n)
		}
		return out
	}
	for i := 0; i < v.Slice().Len(); i++ {
		out = append(out, v.Slice().At(i).Int())
	}
	return out
}

func TestBlockingAcceptance(t *testing.T) {
	srv, cfg := startServer(t)
	srv.Exec(t, "CREATE TABLE accounts (id int PRIMARY KEY, balance int); INSERT INTO accounts VALUES (1, 100)")
	ctx := context.Background()
	holder, waiter := srv.Conn(t), srv.Conn(t)
	var holderPID, waiterPID int32
	holder.QueryRow(ctx, "SELECT pg_backend_pid()").Scan(&holderPID)
	waiter.QueryRow(ctx, "SELECT pg_backend_pid()").Scan(&waiterPID)
	if _, err := holder.Exec(ctx, "BEGIN"); err != nil {
		t.Fatal(err)
	}
	if _, err := holder.Exec(ctx, "UPDATE accounts SET balance = 1 WHERE id = 1"); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := waiter.Exec(ctx, "UPDATE accounts SET balance = 999999 WHERE id = 1")
		done <- err
	}()
	// Wait until the waiter really waits on the lock.
	check := srv.Conn(t)
	eventuallyPG(t, func() bool {
		var n int
		check.QueryRow(ctx, "SELECT count(*) FROM pg_stat_activity WHERE pid = $1 AND wait_event_type = 'Lock'", waiterPID).Scan(&n)
		return n == 1
	})

	c := collectorNamed(t, cfg, "postgresql.sessions")
	b := collect(t, c, time.Now())
	blocking := events(b.Logs, "db.server.blocking")
	if len(blocking) != 1 {
		t.Fatalf("%d blocking events, want 1", len(blocking))
	}
	ev := blocking[0]
	chain := intSlice(ev, "dbintel.blocking.chain")
	if len(chain) != 2 || chain[0] != int64(holderPID) || chain[1] != int64(waiterPID) {
		t.Fatalf("chain %v, want [%d %d] (root blocker first)", chain, holderPID, waiterPID)
	}
	mode, _ := ev.Attributes().Get("postgresql.blocking.lock.mode")
	typ, _ := ev.Attributes().Get("postgresql.blocking.lock.type")
	if mode.Str() == "" || typ.Str() == "" {
		t.Fatalf("lock not named: mode=%q type=%q", mode.Str(), typ.Str())
	}
	sessionsJSON, _ := ev.Attributes().Get("dbintel.blocking.sessions")
	body := sessionsJSON.Str()
	var listed []map[string]any
	if err := json.Unmarshal([]byte(body), &listed); err != nil || len(listed) != 2 || listed[0]["pid"] != float64(holderPID) {
		t.Fatalf("dbintel.blocking.sessions = %s (%v)", body, err)
	}
	if ev.Body().Type() != pcommon.ValueTypeEmpty {
		t.Fatal("blocking event has a body; New Relic would explode it into attributes")
	}
	if strings.Contains(body, "999999") {
		t.Fatalf("literal leaked into the blocking event: %s", body)
	}
	var sawWaiter bool
	for _, s := range events(b.Logs, "db.server.query_sample") {
		pid, _ := s.Attributes().Get("postgresql.pid")
		wt, _ := s.Attributes().Get("postgresql.wait_event_type")
		if pid.Int() == int64(waiterPID) {
			sawWaiter = true
			if wt.Str() != "Lock" {
				t.Fatalf("waiter sample wait_event_type = %q, want Lock", wt.Str())
			}
			if by := intSlice(s, "postgresql.blocking.pids"); len(by) != 1 || by[0] != int64(holderPID) {
				t.Fatalf("waiter blocked by %v, want [%d]", by, holderPID)
			}
			attrs := s.Attributes().AsRaw()
			for k, want := range map[string]any{"postgresql.blocking.pids": fmt.Sprintf("{%d}", holderPID), "postgresql.state": "active",
				"network.peer.address": "127.0.0.1", "db.system.name": "postgresql"} {
				if attrs[k] != want {
					t.Errorf("waiter %s = %v, want %v", k, attrs[k], want)
				}
			}
			for _, k := range []string{"postgresql.query_id", "postgresql.query_start", "postgresql.blocking.start_time", "postgresql.total_exec_time",
				"db.query.text.normalized.hash", "postgresql.backend.connection.start", "network.peer.port"} {
				if v, ok := attrs[k]; !ok || v == "" {
					t.Errorf("waiter %s missing", k)
				}
			}
			if text, _ := s.Attributes().Get("db.query.text"); strings.Contains(text.Str(), "999999") || text.Str() == "" {
				t.Fatalf("sample text %q: missing or not obfuscated", text.Str())
			}
		}
		if app, _ := s.Attributes().Get("postgresql.application_name"); app.Str() == ApplicationName {
			t.Fatal("the scraper sampled itself")
		}
	}
	if !sawWaiter {
		t.Fatal("no query_sample for the waiting session")
	}
	if pts := points(b.Metrics, "postgresql.sessions", "wait_event_type", "Lock"); len(pts) != 1 || pts[0].value() != 1 {
		t.Fatalf("sessions{wait_event_type=Lock}: %+v", pts)
	}
	holder.Exec(ctx, "ROLLBACK")
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func eventuallyPG(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestSessionsWindow(t *testing.T) {
	cfg := DefaultConfig().Sessions
	cfg.EmitInterval = 10 * time.Second
	s := newSessions(testTarget(), nil, cfg, newPGMetrics(nil), slog.New(slog.DiscardHandler))
	start := time.Unix(1_700_000_000, 0)
	qs := start.Add(-time.Second)
	active := session{pid: 7, datname: "app", state: "active", backend: "client backend", query: "SELECT 1", queryStart: &qs, now: start}
	idle := session{pid: 8, datname: "app", state: "idle", backend: "client backend"}
	s.windowStart = start
	s.emitted = true
	for i := 0; i < 4; i++ {
		if i < 2 {
			s.add([]session{active, idle})
		} else {
			s.add([]session{idle})
		}
	}
	b := s.emit(start.Add(10 * time.Second))
	if got := points(b.Metrics, "postgresql.sessions", "state", "active"); len(got) != 1 || got[0].value() != 0.5 {
		t.Fatalf("active average = %+v, want 0.5 (2 of 4 samples)", got)
	}
	if got := points(b.Metrics, "postgresql.sessions", "state", "idle"); len(got) != 1 || got[0].value() != 1 {
		t.Fatalf("idle average wrong: %+v", got)
	}
	samples := events(b.Logs, "db.server.query_sample")
	if len(samples) != 1 {
		t.Fatalf("%d samples, want 1 (one active query seen twice, idle not sampled)", len(samples))
	}
	if n, _ := samples[0].Attributes().Get("dbintel.sample_count"); n.Int() != 2 {
		t.Fatalf("sample_count = %d, want 2", n.Int())
	}
}

func TestChainJSONFitsNewRelicLimit(t *testing.T) {
	s := newSessions(testTarget(), nil, DefaultConfig().Sessions, newPGMetrics(nil), slog.New(slog.DiscardHandler))
	var chain []chainNode
	for i := 0; i < 200; i++ {
		chain = append(chain, chainNode{depth: i, s: session{pid: int32(1000 + i), state: "active", waitType: "Lock",
			query: "UPDATE accounts SET balance = balance - 100 WHERE id = 4242"}})
	}
	out, omitted := s.chainJSON(chain)
	var listed []chainSession
	if err := json.Unmarshal([]byte(out), &listed); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	if len(out) > maxChainJSON || omitted == 0 || len(listed)+omitted != len(chain) || listed[0].PID != 1000 {
		t.Fatalf("%d bytes, %d listed, %d omitted", len(out), len(listed), omitted)
	}
	if strings.Contains(out, "4242") {
		t.Fatal("literal leaked into the chain")
	}
}

func TestNormalizedHashJoinsPlaceholders(t *testing.T) {
	if normalizedHash("SELECT * FROM t WHERE a = $1 AND b = $12") != normalizedHash("SELECT * FROM t WHERE a = ? AND b = ?") {
		t.Fatal("top_query ($n) and query_sample (?) forms hash differently")
	}
	if normalizedHash("SELECT 1") == normalizedHash("SELECT 2") || len(normalizedHash("x")) != 32 {
		t.Fatal("hash does not tell texts apart or is not hex MD5")
	}
}
