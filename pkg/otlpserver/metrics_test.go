package otlpserver

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"

	"github.com/dbintel/dbintel/pkg/pipeline"
)

// TestSelfMetricsBalance drives accepted, refused and undecodable requests
// through both transports and checks received = accepted + refused per
// transport and signal, plus the exact counts.
func TestSelfMetricsBalance(t *testing.T) {
	reg := prometheus.NewRegistry()
	cfg := testConfig()
	cfg.GRPC.MaxRecvMsgSizeBytes = 64 << 10
	// The consumer refuses logs (memory), rejects traces as permanent, and
	// accepts metrics.
	next := pipeline.ConsumerFunc(func(_ context.Context, b pipeline.Batch) error {
		switch {
		case b.Logs.LogRecordCount() > 0:
			return pipeline.Refused("memory", time.Second)
		case b.Traces.SpanCount() > 0:
			return pipeline.Permanent(errors.New("bad span"))
		}
		return nil
	})
	s, err := New(cfg, next, reg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	cc := dialGRPC(t, s)
	ctx := context.Background()
	md, ld, td := testMetrics(2, 3, 4), testLogs(7), testTraces(5) // 24 points, 7 records, 5 spans

	for range 2 {
		_, _ = pmetricotlp.NewGRPCClient(cc).Export(ctx, pmetricotlp.NewExportRequestFromMetrics(md))
		_, _ = plogotlp.NewGRPCClient(cc).Export(ctx, plogotlp.NewExportRequestFromLogs(ld))
		_, _ = ptraceotlp.NewGRPCClient(cc).Export(ctx, ptraceotlp.NewExportRequestFromTraces(td))
	}
	_, _ = pmetricotlp.NewGRPCClient(cc).Export(ctx, pmetricotlp.NewExportRequestFromMetrics(testMetrics(50, 20, 5))) // too large

	mb, _ := pmetricotlp.NewExportRequestFromMetrics(md).MarshalProto()
	lb, _ := plogotlp.NewExportRequestFromLogs(ld).MarshalProto()
	tb, _ := ptraceotlp.NewExportRequestFromTraces(td).MarshalProto()
	proto := map[string]string{"Content-Type": contentTypeProto}
	post(t, nil, httpURL(s, "metrics"), mb, proto)
	post(t, nil, httpURL(s, "logs"), lb, proto)
	post(t, nil, httpURL(s, "traces"), tb, proto)
	post(t, nil, httpURL(s, "metrics"), []byte{0xff, 0xff}, proto)                                                // undecodable
	post(t, nil, httpURL(s, "metrics"), mb, map[string]string{"Content-Type": "text/plain"})                      // 415
	if resp, _ := post(t, nil, httpURL(s, "logs"), lb, proto); resp.StatusCode != http.StatusServiceUnavailable { // sanity
		t.Fatalf("refused logs answered %d", resp.StatusCode)
	}

	// Shutdown waits for every handler, so all counters are final.
	if err := s.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}

	m := s.m
	for _, tr := range []string{transportGRPC, transportHTTP} {
		for _, sig := range []string{signalMetrics, signalLogs, signalTraces} {
			recv := testutil.ToFloat64(m.received.WithLabelValues(tr, sig))
			acc := testutil.ToFloat64(m.accepted.WithLabelValues(tr, sig))
			var ref float64
			for _, reason := range []string{"memory", reasonInvalid, reasonInternal} {
				ref += testutil.ToFloat64(m.refused.WithLabelValues(tr, sig, reason))
			}
			if recv != acc+ref {
				t.Errorf("%s/%s: received %v != accepted %v + refused %v", tr, sig, recv, acc, ref)
			}
		}
	}
	want := []struct {
		c    prometheus.Counter
		name string
		v    float64
	}{
		{m.accepted.WithLabelValues(transportGRPC, signalMetrics), "grpc metrics accepted", 48},
		{m.refused.WithLabelValues(transportGRPC, signalLogs, "memory"), "grpc logs refused memory", 14},
		{m.refused.WithLabelValues(transportGRPC, signalTraces, reasonInvalid), "grpc traces refused invalid", 10},
		{m.accepted.WithLabelValues(transportHTTP, signalMetrics), "http metrics accepted", 24},
		{m.refused.WithLabelValues(transportHTTP, signalLogs, "memory"), "http logs refused memory", 14},
		{m.refused.WithLabelValues(transportHTTP, signalTraces, reasonInvalid), "http traces refused invalid", 5},
		{m.requests.WithLabelValues(transportGRPC, signalMetrics, "OK"), "grpc metrics OK requests", 2},
		{m.requests.WithLabelValues(transportGRPC, signalMetrics, "ResourceExhausted"), "grpc too large requests", 1},
		{m.requests.WithLabelValues(transportGRPC, signalLogs, "Unavailable"), "grpc logs Unavailable requests", 2},
		{m.requests.WithLabelValues(transportHTTP, signalMetrics, "200"), "http metrics 200", 1},
		{m.requests.WithLabelValues(transportHTTP, signalMetrics, "400"), "http metrics 400", 1},
		{m.requests.WithLabelValues(transportHTTP, signalMetrics, "415"), "http metrics 415", 1},
		{m.requests.WithLabelValues(transportHTTP, signalLogs, "503"), "http logs 503", 2},
		{m.requests.WithLabelValues(transportHTTP, signalTraces, "400"), "http traces 400", 1},
	}
	for _, w := range want {
		if got := testutil.ToFloat64(w.c); got != w.v {
			t.Errorf("%s = %v, want %v", w.name, got, w.v)
		}
	}
	// The registry exposes all four families under the dbintel namespace.
	if n, err := testutil.GatherAndCount(reg, "dbintel_receiver_items_received_total", "dbintel_receiver_items_accepted_total",
		"dbintel_receiver_items_refused_total", "dbintel_receiver_requests_total"); err != nil || n == 0 {
		t.Errorf("gathered %d series: %v", n, err)
	}
}

func TestSecondServerOnRegistryIsAnError(t *testing.T) {
	reg := prometheus.NewRegistry()
	if _, err := New(testConfig(), noop, reg, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := New(testConfig(), noop, reg, nil); err == nil {
		t.Error("second receiver on one registry: want an error, not a silent or panicking registration")
	}
}
