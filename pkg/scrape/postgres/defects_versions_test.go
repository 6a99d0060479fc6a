package postgres

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// TestChainMaxWaitUnknownBefore14: without pg_locks.waitstart (12, 13) the
// chain's longest wait is unknown, which is not the same as 0.
func TestChainMaxWaitUnknownBefore14(t *testing.T) {
	now := time.Now()
	started := now.Add(-3 * time.Second)
	if _, ok := chainMaxWait([]chainNode{{s: session{pid: 1, now: now}}, {s: session{pid: 2, now: now}, depth: 1}}); ok {
		t.Fatal("a chain without any wait start reports a maximum wait")
	}
	w, ok := chainMaxWait([]chainNode{{s: session{pid: 1, now: now}}, {s: session{pid: 2, now: now, waitStart: &started}, depth: 1}})
	if !ok || w != 3 {
		t.Fatalf("max wait = %v, %v; want 3 s", w, ok)
	}
}

// TestExplainWarnOncePerClass: a failing EXPLAIN is a WARN line per error
// class and hour, never one per statement.
func TestExplainWarnOncePerClass(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	e := newExplainer(ExplainConfig{Enabled: true, TopN: 5, PerQueryPerHour: 1, ErrorTTL: time.Hour})
	now := time.Now()
	missing := fmt.Errorf("explain: %w", &pgconn.PgError{Code: "42P01", Message: `relation "gone" does not exist`})
	for i := 0; i < 5; i++ {
		e.warn(log, stmtKey{queryid: int64(i)}, missing, now.Add(time.Duration(i)*time.Minute))
	}
	e.warn(log, stmtKey{queryid: 9}, errors.New("explain: insufficient arguments"), now)
	e.warn(log, stmtKey{queryid: 10}, missing, now.Add(61*time.Minute))
	out := buf.String()
	if n := strings.Count(out, "level=WARN"); n != 3 {
		t.Fatalf("%d WARN lines, want 3 (42P01, client, 42P01 an hour later):\n%s", n, out)
	}
	if !strings.Contains(out, `class="SQLSTATE 42P01"`) || !strings.Contains(out, "class=client") || !strings.Contains(out, "same_class_since_last_warning=4") {
		t.Fatalf("WARN lines lack the class or the suppressed count:\n%s", out)
	}
}
