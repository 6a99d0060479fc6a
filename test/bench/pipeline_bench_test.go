// Package bench measures the gateway's receive→forward path against a
// baseline measured in the same run, so the ratio means something on a
// noisy machine.
package bench

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/dbintel/dbintel/pkg/forward"
	"github.com/dbintel/dbintel/pkg/otlpserver"
	"github.com/dbintel/dbintel/pkg/pipeline"
	"github.com/dbintel/dbintel/pkg/pipeline/batch"
	"github.com/dbintel/dbintel/pkg/pipeline/memlimit"
	"github.com/dbintel/dbintel/test/fakebackend"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	_ "google.golang.org/grpc/encoding/gzip"
)

// dbRequest is a realistic scraper request: 5 databases × 40 metrics × 5 points.
func dbRequest() pmetricotlp.ExportRequest {
	md := pmetric.NewMetrics()
	now := pcommon.NewTimestampFromTime(time.Now())
	for db := range 5 {
		rm := md.ResourceMetrics().AppendEmpty()
		a := rm.Resource().Attributes()
		a.PutStr("db.system.name", "postgresql")
		a.PutStr("server.address", "db1.internal")
		a.PutInt("server.port", 5432)
		a.PutStr("service.instance.id", "9b2f6a3c-1")
		a.PutStr("db.namespace", fmt.Sprintf("app_%d", db))
		ms := rm.ScopeMetrics().AppendEmpty().Metrics()
		for m := range 40 {
			metric := ms.AppendEmpty()
			metric.SetName(fmt.Sprintf("postgresql.metric_%d", m))
			metric.SetUnit("1")
			sum := metric.SetEmptySum()
			sum.SetAggregationTemporality(pmetric.AggregationTemporalityDelta)
			for p := range 5 {
				dp := sum.DataPoints().AppendEmpty()
				dp.SetTimestamp(now)
				dp.SetIntValue(int64(p * m))
				dp.Attributes().PutStr("state", fmt.Sprintf("s%d", p))
			}
		}
	}
	return pmetricotlp.NewExportRequestFromMetrics(md)
}

func dial(b *testing.B, addr string) pmetricotlp.GRPCClient {
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { conn.Close() })
	return pmetricotlp.NewGRPCClient(conn)
}

// send pushes n requests from 8 concurrent clients and waits until the
// backend has every item, returning the elapsed time.
func send(b *testing.B, client pmetricotlp.GRPCClient, backend *fakebackend.Backend, req pmetricotlp.ExportRequest, n int) time.Duration {
	perReq := req.Metrics().DataPointCount()
	start := time.Now()
	base := backend.Items()
	errs := make(chan error, 8)
	for w := range 8 {
		go func() {
			for i := w; i < n; i += 8 {
				if _, err := client.Export(context.Background(), req); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			b.Fatal(err)
		}
	}
	backend.WaitForItems(b, base+n*perReq, time.Minute)
	return time.Since(start)
}

// BenchmarkReceiveToForward: OTLP/gRPC client → gateway receiver → chain
// (memory limiter) → batcher → forwarder (gRPC) → backend, against the
// baseline of the same client sending straight to the backend.
func BenchmarkReceiveToForward(b *testing.B) {
	backend := fakebackend.Start(b)
	backend.SetDiscard(true)

	fcfg := forward.DefaultConfig()
	fcfg.Endpoint, fcfg.Insecure = backend.GRPCAddr(), true
	fwd, err := forward.New(fcfg, nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	_ = fwd.Start(context.Background())
	batcher, _ := batch.New(batch.DefaultConfig(), fwd, nil)
	limiter, _ := memlimit.New(memlimit.DefaultConfig(), nil)
	chain := pipeline.NewChain(nil, batcher, pipeline.NamedStage{Name: "memory_limiter", Stage: limiter})
	scfg := otlpserver.DefaultConfig()
	scfg.GRPC.Endpoint, scfg.HTTP.Endpoint = "127.0.0.1:0", ""
	srv, err := otlpserver.New(scfg, chain, nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	if err := srv.Start(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		_ = batcher.Shutdown(ctx)
		_ = fwd.Shutdown(ctx)
	})

	req := dbRequest()
	items := req.Metrics().DataPointCount()
	direct := dial(b, backend.GRPCAddr())
	gateway := dial(b, srv.GRPCAddr().String())
	send(b, gateway, backend, req, 16) // warm up connections and pools

	b.ReportAllocs()
	b.ResetTimer()
	full := send(b, gateway, backend, req, b.N)
	b.StopTimer()
	baseline := send(b, direct, backend, req, b.N)

	b.ReportMetric(float64(b.N*items)/full.Seconds(), "items/s")
	b.ReportMetric(float64(b.N*items)/baseline.Seconds(), "baseline_items/s")
	b.ReportMetric(baseline.Seconds()/full.Seconds(), "throughput_ratio")
}
