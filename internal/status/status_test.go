package status

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dbintel/dbintel/pkg/pipeline"
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/collector/pdata/plog"
)

// fixture runs a real chain so the page reads real self-metrics: a stage
// that drops one record in three, plus a breaker gauge and a PII counter as
// the gateway's stages register them.
func fixture(t *testing.T) (*prometheus.Registry, Source) {
	t.Helper()
	reg := prometheus.NewRegistry()
	dropThird := pipeline.StageFunc(func(_ context.Context, b pipeline.Batch) (pipeline.Batch, error) {
		i := 0
		b.Logs.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().RemoveIf(func(plog.LogRecord) bool { i++; return i%3 == 0 })
		return b, nil
	})
	chain := pipeline.NewChain(reg, pipeline.ConsumerFunc(func(context.Context, pipeline.Batch) error { return nil }),
		pipeline.NamedStage{Name: "sample", Stage: dropThird})
	ld := plog.NewLogs()
	recs := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
	for range 9 {
		recs.AppendEmpty()
	}
	if err := chain.Consume(context.Background(), pipeline.FromLogs(ld)); err != nil {
		t.Fatal(err)
	}
	state := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "dbintel_breaker_state"}, []string{"key"})
	state.WithLabelValues("postgresql|db1:5432|app").Set(2)
	state.WithLabelValues("postgresql|db2:5432|app").Set(0)
	pii := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "dbintel_verify_pii_found_total"}, []string{"type", "action"})
	pii.WithLabelValues("email", "redact").Add(4)
	pii.WithLabelValues("card", "redact").Add(1)
	reg.MustRegister(state, pii)
	src := Source{Version: "test", Started: time.Now().Add(-time.Minute), Stages: chain.StageNames, Ready: func() error { return errors.New("backend answered 401") },
		PlanChanges: func() []PlanChange {
			return []PlanChange{{At: time.Now(), Database: "postgresql|db1:5432|app", QueryID: "42", OldHash: "aaaa", NewHash: "bbbb", OldCost: 10, NewCost: 900}}
		}}
	return reg, src
}

func TestJSONReportsFlowBreakersAndPII(t *testing.T) {
	reg, src := fixture(t)
	srv := httptest.NewServer(Handler(reg, src))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/api/status")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var rep Report
	if err := json.NewDecoder(resp.Body).Decode(&rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Stages) != 1 || rep.Stages[0].In != 9 || rep.Stages[0].Out != 6 || rep.Stages[0].Dropped != 3 {
		t.Fatalf("stages = %+v", rep.Stages)
	}
	if len(rep.Breakers) != 2 || rep.Breakers[0].State != "open" || rep.Breakers[1].State != "closed" {
		t.Fatalf("breakers = %+v", rep.Breakers)
	}
	if len(rep.PII) != 2 || rep.PII[1].Label != "email" || rep.PII[1].Value != 4 {
		t.Fatalf("pii = %+v", rep.PII)
	}
	if rep.Ready || !strings.Contains(rep.NotReady, "401") || len(rep.PlanChanges) != 1 {
		t.Fatalf("ready %v %q, plan changes %d", rep.Ready, rep.NotReady, len(rep.PlanChanges))
	}
}

func TestUnknownPathIs404(t *testing.T) {
	reg, src := fixture(t)
	srv := httptest.NewServer(Handler(reg, src))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/nope")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("status %d", resp.StatusCode)
	}
}

// TestPageInHeadlessChromium renders the page in a real browser and checks
// what a person would see, and keeps a screenshot next to the test output.
func TestPageInHeadlessChromium(t *testing.T) {
	browser, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("DBINTEL_REQUIRE_BROWSER") != "" {
			t.Fatal("chromium not installed and DBINTEL_REQUIRE_BROWSER is set")
		}
		t.Skip("chromium not installed (apt-get install chromium)")
	}
	reg, src := fixture(t)
	srv := httptest.NewServer(Handler(reg, src))
	defer srv.Close()
	dir := t.TempDir()
	args := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--user-data-dir=" + filepath.Join(dir, "profile")}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, browser, append(args, "--dump-dom", srv.URL+"/")...).Output()
	if err != nil {
		t.Fatalf("chromium --dump-dom: %v", err)
	}
	dom := string(out)
	for _, want := range []string{`id="flow"`, ">sample<", ">9<", ">open<", "not ready: backend answered 401", ">email<", ">bbbb<"} {
		if !strings.Contains(dom, want) {
			t.Errorf("rendered page lacks %q", want)
		}
	}
	shot := filepath.Join(dir, "status.png")
	if err := exec.CommandContext(ctx, browser, append(args, "--window-size=1280,1100", "--screenshot="+shot, srv.URL+"/")...).Run(); err != nil {
		t.Fatalf("chromium --screenshot: %v", err)
	}
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	head := make([]byte, 8)
	if _, err := io.ReadFull(f, head); err != nil || string(head[1:4]) != "PNG" {
		t.Fatalf("screenshot is not a PNG: %v", err)
	}
	if out := os.Getenv("DBINTEL_SCREENSHOT_DIR"); out != "" {
		data, _ := os.ReadFile(shot)
		_ = os.WriteFile(filepath.Join(out, "status.png"), data, 0o644)
	}
}
