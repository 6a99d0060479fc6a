package status

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/dbintel/dbintel/pkg/contract"
	"github.com/dbintel/dbintel/pkg/forward"
	"github.com/dbintel/dbintel/pkg/otlpserver"
	"github.com/dbintel/dbintel/pkg/pipeline"
	"github.com/dbintel/dbintel/pkg/pipeline/cardinality"
	"github.com/dbintel/dbintel/pkg/pipeline/dbbreaker"
	"github.com/dbintel/dbintel/pkg/pipeline/dbkey/dbkeytest"
	"github.com/dbintel/dbintel/pkg/pipeline/memlimit"
	"github.com/dbintel/dbintel/pkg/pipeline/plans"
	"github.com/dbintel/dbintel/pkg/pipeline/sample"
	"github.com/dbintel/dbintel/pkg/pipeline/verify"
)

// liveGateway is the gateway's parts on loopback: the OTLP/gRPC receiver,
// the stages with their defaults, the forwarder writing to a sink file,
// and the status page on a fixed clock (2 min 30 s after start), so the
// page and the API can be compared number by number.
type liveGateway struct {
	reg      *prometheus.Registry
	receiver *otlpserver.Server
	page     string
}

func startLive(t *testing.T) *liveGateway {
	t.Helper()
	reg := prometheus.NewRegistry()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	fcfg := forward.DefaultConfig()
	fcfg.Endpoint, fcfg.Sink.File = "", filepath.Join(t.TempDir(), "sink.jsonl")
	fwd, err := forward.New(fcfg, reg, slog.New(slog.DiscardHandler))
	must(err)
	must(fwd.Start(t.Context()))
	t.Cleanup(func() { must(fwd.Shutdown(context.Background())) })
	limiter, err := memlimit.New(memlimit.DefaultConfig(), reg)
	must(err)
	extractor, err := plans.New(plans.DefaultConfig(), reg, nil)
	must(err)
	sampler, err := sample.New(sample.DefaultConfig(), reg, nil, nil)
	must(err)
	breaker, err := dbbreaker.New(dbbreaker.DefaultConfig(), reg, nil, nil)
	must(err)
	verifier, err := verify.New(verify.DefaultConfig(), reg, nil)
	must(err)
	cards, err := cardinality.New(cardinality.DefaultConfig(), reg, nil)
	must(err)
	chain := pipeline.NewChain(reg, fwd, pipeline.NamedStage{Name: "memory_limiter", Stage: limiter},
		pipeline.NamedStage{Name: "plans", Stage: extractor}, pipeline.NamedStage{Name: "sample", Stage: sampler},
		pipeline.NamedStage{Name: "breaker", Stage: breaker}, pipeline.NamedStage{Name: "verify", Stage: verifier},
		pipeline.NamedStage{Name: "cardinality", Stage: cards})
	rcfg := otlpserver.DefaultConfig()
	rcfg.GRPC.Endpoint, rcfg.HTTP.Endpoint = "127.0.0.1:0", ""
	receiver, err := otlpserver.New(rcfg, chain, reg, slog.New(slog.DiscardHandler))
	must(err)
	must(receiver.Start(t.Context()))
	t.Cleanup(func() { must(receiver.Shutdown(context.Background())) })

	started := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	changes := func() []PlanChange {
		var out []PlanChange
		for _, c := range extractor.RecentChanges() {
			out = append(out, PlanChange{At: c.At, Database: c.Database, QueryID: c.QueryID, OldHash: c.OldHash, NewHash: c.NewHash,
				OldCost: c.OldCost, NewCost: c.NewCost})
		}
		return out
	}
	srv := httptest.NewServer(Handler(reg, Source{Version: "test", Started: started, Stages: chain.StageNames, PlanChanges: changes,
		Now: func() time.Time { return started.Add(150 * time.Second) }}))
	t.Cleanup(srv.Close)
	return &liveGateway{reg: reg, receiver: receiver, page: srv.URL}
}

// send exports the realistic fleet's scrape twice over OTLP/gRPC (the
// repeats are what the sampler's dedup drops) and two different plans for
// one statement (a plan change in database "orders").
func (g *liveGateway) send(t *testing.T) {
	t.Helper()
	conn, err := grpc.NewClient(g.receiver.GRPCAddr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	metrics, logs := pmetricotlp.NewGRPCClient(conn), plogotlp.NewGRPCClient(conn)
	scrape := dbkeytest.Realistic
	scrape.TimestampNanos = time.Now().UnixNano() // inside New Relic's window: verify keeps it
	batches := []pipeline.Batch{dbkeytest.Batch(scrape), dbkeytest.Batch(scrape),
		planBatch(`[{"Plan":{"Node Type":"Seq Scan","Relation Name":"orders","Total Cost":1800.5,"Plan Rows":10}}]`),
		planBatch(`[{"Plan":{"Node Type":"Index Scan","Relation Name":"orders","Index Name":"orders_pkey","Total Cost":8.3,"Plan Rows":1}}]`)}
	for _, b := range batches {
		if _, err := metrics.Export(t.Context(), pmetricotlp.NewExportRequestFromMetrics(b.Metrics)); err != nil {
			t.Fatal(err)
		}
		if _, err := logs.Export(t.Context(), plogotlp.NewExportRequestFromLogs(b.Logs)); err != nil {
			t.Fatal(err)
		}
	}
	// The forwarder sends asynchronously: wait until its queue is empty.
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		q, enq, sent := gatheredSum(t, g.reg, "dbintel_forward_queue_items"), gatheredSum(t, g.reg, "dbintel_forward_items_enqueued_total"),
			gatheredSum(t, g.reg, "dbintel_forward_items_sent_total")
		if q == 0 && enq > 0 && enq == sent {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("forwarder did not drain: queued %v, enqueued %v, sent %v", q, enq, sent)
		}
	}
}

func planBatch(plan string) pipeline.Batch {
	b := dbkeytest.Batch(dbkeytest.Shape{Databases: 1, TimestampNanos: time.Now().UnixNano()})
	lr := b.Logs.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().AppendEmpty()
	lr.SetEventName(contract.EventQueryPlan)
	lr.Attributes().PutStr(contract.PGQueryID, "7000000000042")
	lr.Attributes().PutStr(contract.AttrNamespace, "orders")
	lr.Attributes().PutStr(contract.PGQueryPlan, plan)
	return b
}

// TestPageNumbersEqualAPIInChromium loads the page in headless Chromium
// after real OTLP traffic and checks every number it renders against
// /api/status, read back from its human unit within the rounding shown.
func TestPageNumbersEqualAPIInChromium(t *testing.T) {
	browser := chromium(t)
	g := startLive(t)
	g.send(t)
	var rep Report
	if err := json.Unmarshal(get(t, g.page+"/api/status"), &rep); err != nil {
		t.Fatal(err)
	}
	cells := renderedCells(t, browser, g.page+"/")
	checkPageEqualsAPI(t, cells, rep)
	// What the traffic must have produced for the comparison to mean much.
	if rep.Receiver.Received == 0 || rep.Forward.Sent == 0 || rep.HeapBytes == 0 || rep.UptimeSeconds != 150 {
		t.Errorf("flow: received %v, sent %v, heap %v, uptime %v", rep.Receiver.Received, rep.Forward.Sent, rep.HeapBytes, rep.UptimeSeconds)
	}
	if len(rep.Sources) != 4 || rep.SourceCount != 4 {
		t.Errorf("want one row per server (4), got %d of %d: %+v", len(rep.Sources), rep.SourceCount, rep.Sources)
	}
	var changed bool
	for _, s := range rep.Sources {
		for _, d := range s.Databases {
			changed = changed || (s.Key == "postgresql://db0.internal:5432" && d.Name == "orders" && d.PlanChanges == 1)
		}
	}
	if !changed || len(rep.PlanChanges) != 1 || rep.PlanChanges[0].Server != "postgresql://db0.internal:5432" {
		t.Errorf("plan change in db0's database orders: sources %+v, changes %+v", rep.Sources, rep.PlanChanges)
	}
	var dropped bool
	for _, r := range rep.Rules {
		dropped = dropped || (r.Dropped > 0 && r.KeptRatio < 1)
	}
	if !dropped {
		t.Errorf("no rule dropped anything: %+v", rep.Rules)
	}
}

func chromium(t *testing.T) string {
	t.Helper()
	browser, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("DBINTEL_REQUIRE_BROWSER") != "" {
			t.Fatal("chromium not installed and DBINTEL_REQUIRE_BROWSER is set")
		}
		t.Skip("chromium not installed (apt-get install chromium)")
	}
	return browser
}

// renderedCells dumps the DOM Chromium rendered and returns the text of
// every element with an id; with DBINTEL_SCREENSHOT_DIR set it also keeps
// a screenshot there.
func renderedCells(t *testing.T, browser, url string) map[string]string {
	t.Helper()
	dir := t.TempDir()
	args := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--user-data-dir=" + filepath.Join(dir, "profile")}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, browser, append(args, "--dump-dom", url)...).Output()
	if err != nil {
		t.Fatalf("chromium --dump-dom: %v", err)
	}
	cells := map[string]string{}
	for _, m := range regexp.MustCompile(`<[a-z]+ [^>]*\bid="([^"]+)"[^>]*>([^<]*)</`).FindAllStringSubmatch(string(out), -1) {
		cells[m[1]] = m[2]
	}
	if shots := os.Getenv("DBINTEL_SCREENSHOT_DIR"); shots != "" {
		shot := filepath.Join(shots, "status.png")
		if err := exec.CommandContext(ctx, browser, append(args, "--window-size=1280,1400", "--screenshot="+shot, url)...).Run(); err != nil {
			t.Errorf("chromium --screenshot: %v", err)
		}
	}
	return cells
}
