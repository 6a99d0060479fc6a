package otlpserver

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/dbintel/dbintel/pkg/pipeline"
)

func dialGRPC(t testing.TB, s *Server, opts ...grpc.DialOption) *grpc.ClientConn {
	t.Helper()
	if len(opts) == 0 {
		opts = []grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}
	}
	cc, err := grpc.NewClient(s.GRPCAddr().String(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cc.Close() })
	return cc
}

func TestGRPCRoundTrip(t *testing.T) {
	rec := &recorder{}
	s := startServer(t, testConfig(), rec)
	cc := dialGRPC(t, s)
	ctx := context.Background()

	for _, comp := range []string{"", "gzip", "zstd"} {
		t.Run("compression="+comp, func(t *testing.T) {
			var callOpts []grpc.CallOption
			if comp != "" {
				callOpts = append(callOpts, grpc.UseCompressor(comp))
			}
			md, ld, td := testMetrics(2, 3, 4), testLogs(5), testTraces(6)
			before := rec.count()
			if _, err := pmetricotlp.NewGRPCClient(cc).Export(ctx, pmetricotlp.NewExportRequestFromMetrics(md), callOpts...); err != nil {
				t.Fatalf("metrics: %v", err)
			}
			if _, err := plogotlp.NewGRPCClient(cc).Export(ctx, plogotlp.NewExportRequestFromLogs(ld), callOpts...); err != nil {
				t.Fatalf("logs: %v", err)
			}
			if _, err := ptraceotlp.NewGRPCClient(cc).Export(ctx, ptraceotlp.NewExportRequestFromTraces(td), callOpts...); err != nil {
				t.Fatalf("traces: %v", err)
			}
			rec.mu.Lock()
			got := rec.batches[before:]
			rec.mu.Unlock()
			if len(got) != 3 {
				t.Fatalf("got %d batches, want 3", len(got))
			}
			if !bytes.Equal(metricsProto(t, got[0].Metrics), metricsProto(t, md)) {
				t.Error("metrics changed in transit")
			}
			if !bytes.Equal(logsProto(t, got[1].Logs), logsProto(t, ld)) {
				t.Error("logs changed in transit")
			}
			if !bytes.Equal(tracesProto(t, got[2].Traces), tracesProto(t, td)) {
				t.Error("traces changed in transit")
			}
		})
	}
}

func TestGRPCErrorMapping(t *testing.T) {
	tests := []struct {
		name      string
		err       error
		code      codes.Code
		retryInfo time.Duration // 0: no RetryInfo expected
	}{
		{"refused memory", pipeline.Refused("memory", 2*time.Second), codes.Unavailable, 2 * time.Second},
		{"refused rounds up", pipeline.Refused("queue_full", 1500*time.Millisecond), codes.Unavailable, 2 * time.Second},
		{"refused without hint", pipeline.Refused("queue_full", 0), codes.Unavailable, time.Second},
		{"wrapped refusal", errors.Join(errors.New("chain"), pipeline.Refused("memory", 3*time.Second)), codes.Unavailable, 3 * time.Second},
		{"permanent", pipeline.Permanent(errors.New("bad data")), codes.InvalidArgument, 0},
		{"other", errors.New("disk on fire"), codes.Unavailable, 0},
	}
	rec := &recorder{}
	s := startServer(t, testConfig(), rec)
	client := pmetricotlp.NewGRPCClient(dialGRPC(t, s))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec.setErr(tt.err)
			_, err := client.Export(context.Background(), pmetricotlp.NewExportRequestFromMetrics(testMetrics(1, 1, 1)))
			st := status.Convert(err)
			if st.Code() != tt.code {
				t.Fatalf("code = %s, want %s (%v)", st.Code(), tt.code, err)
			}
			var got time.Duration
			for _, d := range st.Details() {
				if ri, ok := d.(*errdetails.RetryInfo); ok {
					got = ri.GetRetryDelay().AsDuration()
				}
			}
			if got != tt.retryInfo {
				t.Errorf("RetryInfo delay = %s, want %s", got, tt.retryInfo)
			}
		})
	}
}

func TestGRPCTooLarge(t *testing.T) {
	cfg := testConfig()
	cfg.GRPC.MaxRecvMsgSizeBytes = 64 << 10
	rec := &recorder{}
	s := startServer(t, cfg, rec)
	cc := dialGRPC(t, s)

	t.Run("plain", func(t *testing.T) {
		_, err := pmetricotlp.NewGRPCClient(cc).Export(context.Background(), pmetricotlp.NewExportRequestFromMetrics(testMetrics(50, 20, 5)))
		if code := status.Code(err); code != codes.ResourceExhausted {
			t.Fatalf("code = %s, want ResourceExhausted (%v)", code, err)
		}
	})
	// A highly compressible log body: 2 MiB (32 times the limit) that zstd and
	// gzip shrink to a few KiB. The server must stop decompressing at the limit.
	for _, comp := range []string{"gzip", "zstd"} {
		t.Run("bomb "+comp, func(t *testing.T) {
			ld := testLogs(1)
			ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0).Body().SetStr(strings.Repeat("a", 2<<20))
			_, err := plogotlp.NewGRPCClient(cc).Export(context.Background(), plogotlp.NewExportRequestFromLogs(ld), grpc.UseCompressor(comp))
			if code := status.Code(err); code != codes.ResourceExhausted {
				t.Fatalf("code = %s, want ResourceExhausted (%v)", code, err)
			}
		})
	}
	if n := rec.count(); n != 0 {
		t.Errorf("%d over-size batches reached the pipeline", n)
	}
}
