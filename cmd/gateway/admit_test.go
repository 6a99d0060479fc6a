package main

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"google.golang.org/grpc/codes"

	"github.com/dbintel/dbintel/internal/config"
	"github.com/dbintel/dbintel/pkg/forward"
	"github.com/dbintel/dbintel/pkg/otlpserver"
	"github.com/dbintel/dbintel/pkg/pipeline"
	"github.com/dbintel/dbintel/test/fakebackend"
)

// TestReceiverAsksTheMemoryLimiterBeforeReading: with the heap above the
// limiter's soft limit, the receiver refuses a request retryably before its
// body reaches the pipeline; below it, the request goes through.
func TestReceiverAsksTheMemoryLimiterBeforeReading(t *testing.T) {
	for _, tt := range []struct {
		name    string
		softMiB int
		want    int
	}{{"above the soft limit", 1, http.StatusServiceUnavailable}, {"below it", 1 << 20, http.StatusOK}} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := defaultConfig()
			cfg.Pipeline.MemoryLimiter.SoftLimitMiB, cfg.Pipeline.MemoryLimiter.HardLimitMiB = tt.softMiB, 2<<20
			var consumed int
			next := pipeline.ConsumerFunc(func(context.Context, pipeline.Batch) error { consumed++; return nil })
			g, err := buildChain(cfg.Pipeline, next, prometheus.NewRegistry(), slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			lc := &liveChain{}
			lc.cur.Store(g)
			if err := lc.Admit(); (err != nil) != (tt.want != http.StatusOK) || (err != nil && !errors.Is(err, pipeline.ErrRefused)) {
				t.Fatalf("Admit: %v", err)
			}

			resp := postThroughReceiver(t, cfg, lc)
			if resp.StatusCode != tt.want {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.want)
			}
			if tt.want != http.StatusOK && (resp.Header.Get("Retry-After") != "5" || consumed != 0) {
				t.Fatalf("Retry-After %q (want the limiter's 5), %d batches consumed", resp.Header.Get("Retry-After"), consumed)
			}
		})
	}
}

// TestReceiverAsksTheForwardQueueBeforeReading: with the forward queue at
// its bound (the backend throttles), a request is refused retryably before
// its body is decoded or reaches a stage.
func TestReceiverAsksTheForwardQueueBeforeReading(t *testing.T) {
	be := fakebackend.Start(t)
	be.Script(fakebackend.Response{Code: codes.ResourceExhausted, RetryAfter: 2 * time.Second})
	cfg := defaultConfig()
	fcfg := cfg.Forward
	fcfg.Endpoint, fcfg.Insecure = be.GRPCAddr(), true
	fcfg.Headers = map[string]config.Secret{"api-key": "k"}
	fcfg.Queue.SizeItems, fcfg.Queue.Workers = 1, 1
	fwd, err := forward.New(fcfg, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := fwd.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	defer fwd.Shutdown(context.Background())
	var consumed int
	next := pipeline.ConsumerFunc(func(context.Context, pipeline.Batch) error { consumed++; return nil })
	g, err := buildChain(cfg.Pipeline, next, prometheus.NewRegistry(), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	lc := &liveChain{fwd: fwd}
	lc.cur.Store(g)
	if err := fwd.Consume(context.Background(), pipeline.FromLogs(oneLog())); err != nil {
		t.Fatal(err)
	}

	resp := postThroughReceiver(t, cfg, lc)
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" || consumed != 0 {
		t.Fatalf("status %d, Retry-After %q, %d batches reached the chain; want 503 with a retry hint and none",
			resp.StatusCode, resp.Header.Get("Retry-After"), consumed)
	}
}

// postThroughReceiver starts an HTTP receiver that asks lc.Admit before
// reading, posts one log record to it and returns the (closed) answer.
func postThroughReceiver(t *testing.T, cfg Config, lc *liveChain) *http.Response {
	t.Helper()
	rcfg := cfg.Receiver
	rcfg.GRPC.Endpoint, rcfg.HTTP.Endpoint = "", "127.0.0.1:0"
	recv, err := otlpserver.New(rcfg, lc, nil, nil, otlpserver.WithAdmission(lc.Admit))
	if err != nil {
		t.Fatal(err)
	}
	if err := recv.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	defer recv.Shutdown(context.Background())
	body, _ := plogotlp.NewExportRequestFromLogs(oneLog()).MarshalProto()
	resp, err := http.Post("http://"+recv.HTTPAddr().String()+"/v1/logs", "application/x-protobuf", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

func oneLog() plog.Logs {
	ld := plog.NewLogs()
	ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty().Body().SetStr("x")
	return ld
}
