package otlpserver

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/dbintel/dbintel/pkg/pipeline"
)

// stagePanic is a panic value that names its stage, as a chain may raise.
type stagePanic struct{ stage string }

func (p stagePanic) Stage() string { return p.stage }

// logCapture keeps the records a slog.Logger writes.
type logCapture struct {
	mu   sync.Mutex
	recs []slog.Record
}

func (c *logCapture) Enabled(context.Context, slog.Level) bool { return true }
func (c *logCapture) Handle(_ context.Context, r slog.Record) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.recs = append(c.recs, r.Clone())
	return nil
}
func (c *logCapture) WithAttrs([]slog.Attr) slog.Handler { return c }
func (c *logCapture) WithGroup(string) slog.Handler      { return c }

// errors returns the ERROR records as "msg k=v ..." lines.
func (c *logCapture) errors() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, r := range c.recs {
		if r.Level != slog.LevelError {
			continue
		}
		var b strings.Builder
		b.WriteString(r.Message)
		r.Attrs(func(a slog.Attr) bool { b.WriteString(" " + a.String()); return true })
		out = append(out, b.String())
	}
	return out
}

// TestPanicInPipelineIsAnswered: a consumer that panics (as a label-value
// panic in a stage would) gets INTERNAL over gRPC and 500 over HTTP, for
// every signal; the panic is logged at ERROR with signal and stage,
// counted, its items count as refused so the counters balance, and the
// server goes on serving.
func TestPanicInPipelineIsAnswered(t *testing.T) {
	var panicking atomic.Bool
	panicking.Store(true)
	next := pipeline.ConsumerFunc(func(context.Context, pipeline.Batch) error {
		if panicking.Load() {
			panic(stagePanic{stage: "sample"})
		}
		return nil
	})
	reg := prometheus.NewRegistry()
	logs := &logCapture{}
	s := startServerWith(t, testConfig(), next, reg, slog.New(logs))
	cc := dialGRPC(t, s)
	ctx := context.Background()
	md, ld, td := testMetrics(1, 2, 3), testLogs(4), testTraces(5)

	send := func() (grpcCodes []codes.Code, httpCodes []int) {
		_, err := pmetricotlp.NewGRPCClient(cc).Export(ctx, pmetricotlp.NewExportRequestFromMetrics(md))
		grpcCodes = append(grpcCodes, status.Code(err))
		_, err = plogotlp.NewGRPCClient(cc).Export(ctx, plogotlp.NewExportRequestFromLogs(ld))
		grpcCodes = append(grpcCodes, status.Code(err))
		_, err = ptraceotlp.NewGRPCClient(cc).Export(ctx, ptraceotlp.NewExportRequestFromTraces(td))
		grpcCodes = append(grpcCodes, status.Code(err))
		hdr := map[string]string{"Content-Type": contentTypeProto}
		for sig, body := range map[string][]byte{"metrics": metricsProto(t, md), "logs": logsProto(t, ld), "traces": tracesProto(t, td)} {
			resp, _ := post(t, nil, httpURL(s, sig), body, hdr)
			httpCodes = append(httpCodes, resp.StatusCode)
		}
		return grpcCodes, httpCodes
	}

	gc, hc := send()
	for _, c := range gc {
		if c != codes.Internal {
			t.Errorf("gRPC answer to a panic: %s, want Internal", c)
		}
	}
	for _, c := range hc {
		if c != http.StatusInternalServerError {
			t.Errorf("HTTP answer to a panic: %d, want 500", c)
		}
	}
	if got := testutil.CollectAndCount(s.m.panics); got != 6 {
		t.Errorf("panic series = %v, want 6 (3 signals × 2 transports)", got)
	}
	if got := testutil.ToFloat64(s.m.panics.WithLabelValues(transportHTTP, signalLogs)); got != 1 {
		t.Errorf("panics_total{http,logs} = %v, want 1", got)
	}
	errs := logs.errors()
	if len(errs) != 6 {
		t.Fatalf("%d ERROR records, want 6: %q", len(errs), errs)
	}
	for _, e := range errs {
		if !strings.Contains(e, "stage=sample") || !strings.Contains(e, "signal=") || !strings.Contains(e, "transport=") {
			t.Errorf("panic log lacks stage, signal or transport: %s", e)
		}
	}

	panicking.Store(false)
	gc, hc = send()
	for _, c := range gc {
		if c != codes.OK {
			t.Errorf("gRPC after a panic: %s", c)
		}
	}
	for _, c := range hc {
		if c != http.StatusOK {
			t.Errorf("HTTP after a panic: %d", c)
		}
	}
	for _, tr := range []string{transportGRPC, transportHTTP} {
		for sig, n := range map[string]float64{signalMetrics: 6, signalLogs: 4, signalTraces: 5} {
			received := testutil.ToFloat64(s.m.received.WithLabelValues(tr, sig))
			accepted := testutil.ToFloat64(s.m.accepted.WithLabelValues(tr, sig))
			refused := testutil.ToFloat64(s.m.refused.WithLabelValues(tr, sig, reasonPanic))
			if received != 2*n || accepted != n || refused != n {
				t.Errorf("%s %s: received %v accepted %v refused(panic) %v; want %v = %v + %v", tr, sig, received, accepted, refused, 2*n, n, n)
			}
		}
	}
}

// TestPanicSiteNamesStage: without a stage in the panic value, the stage is
// read from the stack, and a panic value that may quote input is not logged.
func TestPanicSiteNamesStage(t *testing.T) {
	logs := &logCapture{}
	s := startServerWith(t, testConfig(), pipeline.ConsumerFunc(func(context.Context, pipeline.Batch) error {
		panic("label value \"secret\xff\" is not valid UTF-8")
	}), nil, slog.New(logs))
	resp, _ := post(t, nil, httpURL(s, "logs"), logsProto(t, testLogs(1)), map[string]string{"Content-Type": contentTypeProto})
	if resp.StatusCode != http.StatusInternalServerError {
		t.Fatalf("status %d", resp.StatusCode)
	}
	errs := logs.errors()
	if len(errs) != 1 || strings.Contains(errs[0], "secret") || !strings.Contains(errs[0], "stage=unknown") || !strings.Contains(errs[0], "panic_test.go") {
		t.Fatalf("log: %q", errs)
	}
}
