package postgres

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dbintel/dbintel/internal/config"
)

type syncLog struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *syncLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// TestUnprivilegedRole runs every collector as a role without pg_monitor:
// nothing fails, nothing another role ran leaks, and the missing grant is
// named once per collector.
func TestUnprivilegedRole(t *testing.T) {
	srv, cfg := startServer(t)
	srv.Exec(t, "CREATE ROLE watcher LOGIN")
	cfg.DSN = config.Secret(srv.DSNFor("postgres", "watcher"))
	other := srv.Conn(t) // superuser session running something private
	ctx := context.Background()
	if _, err := other.Exec(ctx, "BEGIN"); err != nil {
		t.Fatal(err)
	}
	if _, err := other.Exec(ctx, "SELECT 'private_literal_42' FROM pg_class LIMIT 1"); err != nil {
		t.Fatal(err)
	}
	defer other.Exec(ctx, "ROLLBACK")

	var logs syncLog
	target, _ := NewTarget(cfg, nil)
	cols, closeFn, err := NewCollectors(cfg, target, slog.New(slog.NewTextHandler(&logs, nil)), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer closeFn()
	now := time.Now()
	for round := 0; round < 2; round++ {
		now = now.Add(time.Minute)
		for _, c := range cols {
			b, err := c.Collect(ctx, now)
			if err != nil {
				t.Fatalf("%s as an unprivileged role: %v", c.Name(), err)
			}
			var buf strings.Builder
			for i := 0; i < b.Logs.ResourceLogs().Len(); i++ {
				lrs := b.Logs.ResourceLogs().At(i).ScopeLogs().At(0).LogRecords()
				for j := 0; j < lrs.Len(); j++ {
					for k, v := range lrs.At(j).Attributes().All() {
						buf.WriteString(k + "=" + v.AsString() + " ")
					}
					buf.WriteString(lrs.At(j).Body().AsString())
				}
			}
			if strings.Contains(buf.String(), "private_literal_42") || strings.Contains(buf.String(), "insufficient") {
				t.Fatalf("%s leaked another role's query: %s", c.Name(), buf.String())
			}
		}
	}
	out := logs.b.String()
	if n := strings.Count(out, "GRANT pg_monitor"); n != 1 {
		t.Fatalf("the pg_monitor fix was logged %d times, want once:\n%s", n, out)
	}
	if n := strings.Count(out, "GRANT pg_read_all_stats"); n != 1 {
		t.Fatalf("the pg_read_all_stats fix was logged %d times, want once:\n%s", n, out)
	}
}
