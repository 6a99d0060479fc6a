package otlpserver

import (
	"bytes"
	"context"
	"net/http"
	"runtime"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"google.golang.org/grpc"

	"github.com/dbintel/dbintel/pkg/pipeline"
)

// A realistic request: 50 database servers × 20 metrics × 5 points.
const benchResources, benchMetrics, benchPoints = 50, 20, 5

var noop = pipeline.ConsumerFunc(func(context.Context, pipeline.Batch) error { return nil })

// decodeBaseline is the in-process cost per request of what any receiver
// must do: decode the protobuf request into pdata and hand it on. It runs
// right after each receive loop (the machine is shared and its speed
// drifts), and receive times are reported as a ratio to it.
func decodeBaseline(b *testing.B, body []byte) float64 {
	b.Helper()
	runs := min(max(b.N, 10), 200)
	start := time.Now()
	for range runs {
		req := pmetricotlp.NewExportRequest()
		if err := req.UnmarshalProto(body); err != nil {
			b.Fatal(err)
		}
		_ = noop.Consume(context.Background(), pipeline.FromMetrics(req.Metrics()))
	}
	return float64(time.Since(start).Nanoseconds()) / float64(runs)
}

// report adds items/s, allocations per item (client and server, both in this
// process) and the ratio to the decode-only baseline. Call it after the
// b.Loop loop, which has stopped the timer.
func report(b *testing.B, items int, mallocs uint64, body []byte) {
	b.ReportMetric(float64(items*b.N)/b.Elapsed().Seconds(), "items/s")
	b.ReportMetric(float64(mallocs)/float64(items*b.N), "allocs/item")
	perOp := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	b.ReportMetric(perOp/decodeBaseline(b, body), "x_decode_baseline")
}

func BenchmarkGRPCReceive(b *testing.B) {
	md := testMetrics(benchResources, benchMetrics, benchPoints)
	items := md.DataPointCount()
	body, err := pmetricotlp.NewExportRequestFromMetrics(md).MarshalProto()
	if err != nil {
		b.Fatal(err)
	}
	s := startServer(b, testConfig(), noop)
	client := pmetricotlp.NewGRPCClient(dialGRPC(b, s))
	for _, comp := range []string{"none", "gzip", "zstd"} {
		b.Run("compression="+comp, func(b *testing.B) {
			var opts []grpc.CallOption
			if comp != "none" {
				opts = append(opts, grpc.UseCompressor(comp))
			}
			req := pmetricotlp.NewExportRequestFromMetrics(md)
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := client.Export(context.Background(), req, opts...); err != nil {
					b.Fatal(err)
				}
			}
			runtime.ReadMemStats(&after)
			report(b, items, after.Mallocs-before.Mallocs, body)
		})
	}
}

func BenchmarkHTTPReceive(b *testing.B) {
	md := testMetrics(benchResources, benchMetrics, benchPoints)
	items := md.DataPointCount()
	body, err := pmetricotlp.NewExportRequestFromMetrics(md).MarshalProto()
	if err != nil {
		b.Fatal(err)
	}
	gz := gzipBytes(b, body)
	s := startServer(b, testConfig(), noop)
	url := httpURL(s, "metrics")
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
	defer client.CloseIdleConnections()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	b.ReportAllocs()
	for b.Loop() {
		req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(gz))
		if err != nil {
			b.Fatal(err)
		}
		req.Header.Set("Content-Type", contentTypeProto)
		req.Header.Set("Content-Encoding", "gzip")
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
	runtime.ReadMemStats(&after)
	report(b, items, after.Mallocs-before.Mallocs, body)
}
