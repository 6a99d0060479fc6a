package otlpserver

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.uber.org/goleak"

	"github.com/dbintel/dbintel/pkg/pipeline"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// recorder is the next consumer: it keeps what arrives, or answers err.
type recorder struct {
	mu      sync.Mutex
	batches []pipeline.Batch
	err     error
}

func (r *recorder) Consume(_ context.Context, b pipeline.Batch) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return r.err
	}
	r.batches = append(r.batches, b)
	return nil
}

func (r *recorder) setErr(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.err = err
}

// merged returns everything received so far as one batch.
func (r *recorder) merged() pipeline.Batch {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := pipeline.NewBatch()
	// CopyTo on a slice replaces the destination: append element by element.
	for _, b := range r.batches {
		for i := range b.Metrics.ResourceMetrics().Len() {
			b.Metrics.ResourceMetrics().At(i).CopyTo(out.Metrics.ResourceMetrics().AppendEmpty())
		}
		for i := range b.Logs.ResourceLogs().Len() {
			b.Logs.ResourceLogs().At(i).CopyTo(out.Logs.ResourceLogs().AppendEmpty())
		}
		for i := range b.Traces.ResourceSpans().Len() {
			b.Traces.ResourceSpans().At(i).CopyTo(out.Traces.ResourceSpans().AppendEmpty())
		}
	}
	return out
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.batches)
}

// testConfig listens on loopback ports chosen by the kernel.
func testConfig() Config {
	cfg := DefaultConfig()
	cfg.GRPC.Endpoint = "127.0.0.1:0"
	cfg.HTTP.Endpoint = "127.0.0.1:0"
	return cfg
}

func startServer(t testing.TB, cfg Config, next pipeline.Consumer) *Server {
	t.Helper()
	return startServerWith(t, cfg, next, nil, nil)
}

// startServerWith starts a server with a registry, a logger and options.
func startServerWith(t testing.TB, cfg Config, next pipeline.Consumer, reg prometheus.Registerer, log *slog.Logger, opts ...Option) *Server {
	t.Helper()
	s, err := New(cfg, next, reg, log, opts...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
	return s
}

func httpURL(s *Server, signal string) string {
	return "http://" + s.HTTPAddr().String() + "/v1/" + signal
}

// post sends body and returns the status, headers and response body.
func post(t testing.TB, client *http.Client, url string, body []byte, header map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read response: %v", err)
	}
	return resp, b
}

func gzipBytes(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func zstdBytes(t testing.TB, b []byte) []byte {
	t.Helper()
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1))
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	return enc.EncodeAll(b, nil)
}

// testMetrics builds resources × metrics × points gauge points with
// attributes shaped like the scraper's.
func testMetrics(resources, metrics, points int) pmetric.Metrics {
	md := pmetric.NewMetrics()
	now := pcommon.NewTimestampFromTime(time.Unix(1_700_000_000, 0))
	for r := range resources {
		rm := md.ResourceMetrics().AppendEmpty()
		ra := rm.Resource().Attributes()
		ra.PutStr("db.system.name", "postgresql")
		ra.PutStr("server.address", fmt.Sprintf("db-%d.example.internal", r))
		ra.PutInt("server.port", 5432)
		sm := rm.ScopeMetrics().AppendEmpty()
		sm.Scope().SetName("dbintel/scrape/postgres")
		for m := range metrics {
			met := sm.Metrics().AppendEmpty()
			met.SetName(fmt.Sprintf("postgresql.metric_%d", m))
			met.SetUnit("1")
			sum := met.SetEmptySum()
			sum.SetAggregationTemporality(pmetric.AggregationTemporalityDelta)
			sum.SetIsMonotonic(true)
			for p := range points {
				dp := sum.DataPoints().AppendEmpty()
				dp.SetTimestamp(now)
				dp.SetStartTimestamp(now - 10e9)
				dp.SetIntValue(int64(r*1000 + m*10 + p))
				dp.Attributes().PutStr("db.namespace", fmt.Sprintf("db_%d", p))
			}
		}
	}
	return md
}

func testLogs(n int) plog.Logs {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("service.name", "test")
	sl := rl.ScopeLogs().AppendEmpty()
	for i := range n {
		lr := sl.LogRecords().AppendEmpty()
		lr.SetTimestamp(pcommon.Timestamp(1_700_000_000e9 + i))
		lr.SetSeverityNumber(plog.SeverityNumberInfo)
		lr.SetEventName("db.server.top_query")
		lr.Body().SetStr(fmt.Sprintf("SELECT * FROM t WHERE id = ? -- %d", i))
		lr.Attributes().PutStr("db.query.id", fmt.Sprintf("%d", i))
	}
	return ld
}

func testTraces(n int) ptrace.Traces {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "app")
	ss := rs.ScopeSpans().AppendEmpty()
	for i := range n {
		sp := ss.Spans().AppendEmpty()
		sp.SetName(fmt.Sprintf("SELECT %d", i))
		sp.SetTraceID(pcommon.TraceID{1, 2, 3, byte(i)})
		sp.SetSpanID(pcommon.SpanID{4, 5, byte(i)})
		sp.SetStartTimestamp(pcommon.Timestamp(1_700_000_000e9))
		sp.SetEndTimestamp(pcommon.Timestamp(1_700_000_001e9))
		sp.Attributes().PutStr("db.statement", "SELECT 1")
	}
	return td
}

// Canonical protobuf forms, to compare what was sent with what arrived.
func metricsProto(t testing.TB, md pmetric.Metrics) []byte {
	t.Helper()
	b, err := (&pmetric.ProtoMarshaler{}).MarshalMetrics(md)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func logsProto(t testing.TB, ld plog.Logs) []byte {
	t.Helper()
	b, err := (&plog.ProtoMarshaler{}).MarshalLogs(ld)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func tracesProto(t testing.TB, td ptrace.Traces) []byte {
	t.Helper()
	b, err := (&ptrace.ProtoMarshaler{}).MarshalTraces(td)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }

type statusError struct{ code int }

func (e *statusError) Error() string { return fmt.Sprintf("HTTP status %d", e.code) }
