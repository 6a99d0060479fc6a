package main

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"

	"github.com/dbintel/dbintel/pkg/otlpserver"
	"github.com/dbintel/dbintel/pkg/pipeline"
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
			ld := plog.NewLogs()
			ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty().Body().SetStr("x")
			body, _ := plogotlp.NewExportRequestFromLogs(ld).MarshalProto()
			resp, err := http.Post("http://"+recv.HTTPAddr().String()+"/v1/logs", "application/x-protobuf", bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.want)
			}
			if tt.want != http.StatusOK && (resp.Header.Get("Retry-After") != "5" || consumed != 0) {
				t.Fatalf("Retry-After %q (want the limiter's 5), %d batches consumed", resp.Header.Get("Retry-After"), consumed)
			}
		})
	}
}
