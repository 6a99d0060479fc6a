package postgres

import (
	"go.opentelemetry.io/collector/pdata/pcommon"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dbintel/dbintel/pkg/scrape"
	"github.com/dbintel/dbintel/test/pgtest"
)

// TestAutoExplainPlans runs a query with literals on a server logging its
// plans in each format and checks the plan events carry no literal.
func TestAutoExplainPlans(t *testing.T) {
	for _, format := range []string{formatJSON, formatCSV, formatStderr} {
		t.Run(format, func(t *testing.T) {
			srv, cfg := startServer(t,
				pgtest.WithSetting("log_destination", "'"+format+"'"),
				pgtest.WithSetting("auto_explain.log_min_duration", "0"),
				pgtest.WithSetting("auto_explain.log_format", "json"),
				pgtest.WithSetting("log_line_prefix", "'%m [%p] db=%d,user=%u '"))
			cfg.Plans.LogPath = srv.LogDir()
			c := collectorNamed(t, cfg, "postgresql.plans")
			collect(t, c, time.Now()) // positions at the end: no history
			srv.Exec(t, "SELECT count(*) FROM pg_class WHERE relname = 'secret_literal_xyz' AND relpages > 31337")
			var body, text string
			var found bool
			waitFor(t, "the plan event", func() bool {
				b := collect(t, c, time.Now())
				for _, ev := range events(b.Logs, "db.server.query_plan") {
					plan, _ := ev.Attributes().Get("postgresql.query_plan")
					body = plan.Str()
					if ev.Body().Type() != pcommon.ValueTypeEmpty {
						t.Error("plan sent in the body; New Relic reads postgresql.query_plan")
					}
					q, _ := ev.Attributes().Get("db.query.text")
					text = q.Str()
					if strings.Contains(text, "pg_class") && strings.Contains(text, "relpages") {
						found = true
						if src, _ := ev.Attributes().Get("dbintel.query_plan.source"); src.Str() != "auto_explain" {
							t.Errorf("source = %q", src.Str())
						}
						if ns, _ := ev.Attributes().Get("db.namespace"); ns.Str() != "postgres" {
							t.Errorf("db.namespace = %q", ns.Str())
						}
						if _, ok := ev.Attributes().Get("postgresql.queryid"); format == formatJSON && !ok {
							t.Error("postgresql.queryid missing from a jsonlog plan")
						}
					}
				}
				return found
			})
			for _, secret := range []string{"secret_literal_xyz", "31337"} {
				if strings.Contains(body, secret) || strings.Contains(text, secret) {
					t.Fatalf("literal %q leaked:\nbody %s\ntext %s", secret, body, text)
				}
			}
			for _, kept := range []string{`"Node Type"`, `"Relation Name":"pg_class"`, `"Total Cost"`, `"Filter"`} {
				if !strings.Contains(body, kept) {
					t.Fatalf("plan lost %s: %s", kept, body)
				}
			}
		})
	}
}

func TestTailerRotationAndTruncation(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string, mtime time.Time) {
		f, err := os.OpenFile(filepath.Join(dir, name), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		f.WriteString(s)
		f.Close()
		os.Chtimes(filepath.Join(dir, name), mtime, mtime)
	}
	t0 := time.Now().Add(-time.Hour)
	write("a.json", "old history\n", t0)
	tl := &tailer{path: dir}
	defer tl.close()
	read := func() string {
		chunks, err := tl.read()
		if err != nil {
			t.Fatal(err)
		}
		var s string
		for _, c := range chunks {
			s += string(c.data)
		}
		return s
	}
	if got := read(); got != "" {
		t.Fatalf("first read replayed history: %q", got)
	}
	write("a.json", "one\n", t0.Add(time.Second))
	if got := read(); got != "one\n" {
		t.Fatalf("append: %q", got)
	}
	write("a.json", "two\n", t0.Add(2*time.Second))
	write("b.json", "three\n", t0.Add(3*time.Second)) // rotation
	if got := read(); got != "two\nthree\n" {
		t.Fatalf("rotation: %q, want the end of the old file then the new one", got)
	}
	os.Truncate(filepath.Join(dir, "b.json"), 0)
	write("b.json", "four\n", t0.Add(4*time.Second))
	if got := read(); got != "four\n" {
		t.Fatalf("truncation: %q", got)
	}
}

func TestPlansWithoutLogAreDisabled(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Plans.LogPath = t.TempDir() // empty: no log file
	p := newPlanLog(testTarget(), cfg.Plans, newPGMetrics(nil), nil)
	defer p.tail.close()
	if _, err := p.Collect(t.Context(), time.Now()); !scrape.IsDisabled(err) || !strings.Contains(err.Error(), "DBINTEL_POSTGRES_LOG_DIR") {
		t.Fatalf("err = %v, want a DisabledError naming the fix", err)
	}
}
