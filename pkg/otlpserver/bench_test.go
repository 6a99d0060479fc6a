package otlpserver

import (
	"bytes"
	"context"
	"net/http"
	"runtime"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"google.golang.org/grpc"

	"github.com/dbintel/dbintel/pkg/pipeline"
)

// A realistic request: 50 database servers × 20 metrics × 5 points.
const benchResources, benchMetrics, benchPoints = 50, 20, 5

var noop = pipeline.ConsumerFunc(func(context.Context, pipeline.Batch) error { return nil })

var (
	baselineOnce    sync.Once
	baselineNsPerOp float64
)

// baselineRuns is enough decodes of a 5000-point request to average out
// scheduling noise; testing.Benchmark cannot be nested in a benchmark.
const baselineRuns = 50

// baseline is the in-process cost of what any receiver must do: decode the
// protobuf request into pdata and hand it on. Receive benchmarks report
// their time per request as a ratio to it, measured in the same run.
func baseline(b *testing.B, body []byte) float64 {
	b.Helper()
	baselineOnce.Do(func() {
		decode := func() {
			req := pmetricotlp.NewExportRequest()
			if err := req.UnmarshalProto(body); err != nil {
				b.Fatal(err)
			}
			_ = noop.Consume(context.Background(), pipeline.FromMetrics(req.Metrics()))
		}
		decode() // warm up
		start := time.Now()
		for range baselineRuns {
			decode()
		}
		baselineNsPerOp = float64(time.Since(start).Nanoseconds()) / baselineRuns
		b.Logf("decode-only baseline: %.0f ns per request", baselineNsPerOp)
	})
	return baselineNsPerOp
}

// report adds items/s, allocations per item (client and server, both in this
// process) and the ratio to the decode-only baseline.
func report(b *testing.B, items int, mallocs uint64, base float64) {
	b.ReportMetric(float64(items*b.N)/b.Elapsed().Seconds(), "items/s")
	b.ReportMetric(float64(mallocs)/float64(items*b.N), "allocs/item")
	if base > 0 {
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/base, "x_decode_baseline")
	}
}

func BenchmarkGRPCReceive(b *testing.B) {
	md := testMetrics(benchResources, benchMetrics, benchPoints)
	items := md.DataPointCount()
	body, err := pmetricotlp.NewExportRequestFromMetrics(md).MarshalProto()
	if err != nil {
		b.Fatal(err)
	}
	base := baseline(b, body)
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
			report(b, items, after.Mallocs-before.Mallocs, base)
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
	base := baseline(b, body)
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
	report(b, items, after.Mallocs-before.Mallocs, base)
}
