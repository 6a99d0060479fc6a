package otlpserver

import (
	"context"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploggrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploghttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetricgrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	otellog "go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/metric"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/dbintel/dbintel/pkg/pipeline"
)

// The OpenTelemetry Go SDK exporters are senders nobody here wrote: what
// they send must arrive in the pipeline unchanged.

var sdkResource = resource.NewSchemaless(attribute.String("service.name", "sdk-sender"), attribute.String("deployment.environment.name", "test"))

func checkResource(t *testing.T, got map[string]any) {
	t.Helper()
	if got["service.name"] != "sdk-sender" || got["deployment.environment.name"] != "test" {
		t.Errorf("resource attributes = %v", got)
	}
}

func TestSDKTraces(t *testing.T) {
	ctx := context.Background()
	exporters := map[string]func(s *Server) (sdktrace.SpanExporter, error){
		"grpc": func(s *Server) (sdktrace.SpanExporter, error) {
			return otlptracegrpc.New(ctx, otlptracegrpc.WithEndpoint(s.GRPCAddr().String()), otlptracegrpc.WithInsecure(), otlptracegrpc.WithCompressor("gzip"))
		},
		"http": func(s *Server) (sdktrace.SpanExporter, error) {
			return otlptracehttp.New(ctx, otlptracehttp.WithEndpoint(s.HTTPAddr().String()), otlptracehttp.WithInsecure(), otlptracehttp.WithCompression(otlptracehttp.GzipCompression))
		},
	}
	for name, newExp := range exporters {
		t.Run(name, func(t *testing.T) {
			rec := &recorder{}
			s := startServer(t, testConfig(), rec)
			exp, err := newExp(s)
			if err != nil {
				t.Fatal(err)
			}
			tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp), sdktrace.WithResource(sdkResource))
			_, span := tp.Tracer("dbintel-test").Start(ctx, "SELECT users", trace.WithSpanKind(trace.SpanKindClient),
				trace.WithAttributes(attribute.String("db.query.text", "SELECT * FROM users WHERE id = ?"), attribute.Int64("db.response.returned_rows", 3)))
			sc := span.SpanContext()
			span.End()
			if err := tp.Shutdown(ctx); err != nil {
				t.Fatalf("shutdown: %v", err)
			}

			td := rec.merged().Traces
			if td.SpanCount() != 1 {
				t.Fatalf("%d spans arrived, want 1", td.SpanCount())
			}
			rs := td.ResourceSpans().At(0)
			checkResource(t, rs.Resource().Attributes().AsRaw())
			ss := rs.ScopeSpans().At(0)
			got := ss.Spans().At(0)
			if ss.Scope().Name() != "dbintel-test" || got.Name() != "SELECT users" || got.Kind().String() != "Client" {
				t.Errorf("scope %q span %q kind %s", ss.Scope().Name(), got.Name(), got.Kind())
			}
			if [16]byte(got.TraceID()) != [16]byte(sc.TraceID()) || [8]byte(got.SpanID()) != [8]byte(sc.SpanID()) {
				t.Errorf("ids %s/%s, want %s/%s", got.TraceID(), got.SpanID(), sc.TraceID(), sc.SpanID())
			}
			attrs := got.Attributes().AsRaw()
			if attrs["db.query.text"] != "SELECT * FROM users WHERE id = ?" || attrs["db.response.returned_rows"] != int64(3) {
				t.Errorf("span attributes = %v", attrs)
			}
		})
	}
}

func TestSDKMetrics(t *testing.T) {
	ctx := context.Background()
	exporters := map[string]func(s *Server) (sdkmetric.Exporter, error){
		"grpc": func(s *Server) (sdkmetric.Exporter, error) {
			return otlpmetricgrpc.New(ctx, otlpmetricgrpc.WithEndpoint(s.GRPCAddr().String()), otlpmetricgrpc.WithInsecure(), otlpmetricgrpc.WithCompressor("gzip"))
		},
		"http": func(s *Server) (sdkmetric.Exporter, error) {
			return otlpmetrichttp.New(ctx, otlpmetrichttp.WithEndpoint(s.HTTPAddr().String()), otlpmetrichttp.WithInsecure(), otlpmetrichttp.WithCompression(otlpmetrichttp.GzipCompression))
		},
	}
	for name, newExp := range exporters {
		t.Run(name, func(t *testing.T) {
			rec := &recorder{}
			s := startServer(t, testConfig(), rec)
			exp, err := newExp(s)
			if err != nil {
				t.Fatal(err)
			}
			// The reader only exports on Shutdown: no timing in the test.
			mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewPeriodicReader(exp, sdkmetric.WithInterval(time.Hour))), sdkmetric.WithResource(sdkResource))
			counter, err := mp.Meter("dbintel-test").Int64Counter("db.client.test.calls", metric.WithUnit("{call}"))
			if err != nil {
				t.Fatal(err)
			}
			counter.Add(ctx, 40, metric.WithAttributes(attribute.String("db.namespace", "app")))
			counter.Add(ctx, 2, metric.WithAttributes(attribute.String("db.namespace", "app")))
			if err := mp.Shutdown(ctx); err != nil {
				t.Fatalf("shutdown: %v", err)
			}

			md := rec.merged().Metrics
			if md.DataPointCount() != 1 {
				t.Fatalf("%d points arrived, want 1", md.DataPointCount())
			}
			rm := md.ResourceMetrics().At(0)
			checkResource(t, rm.Resource().Attributes().AsRaw())
			m := rm.ScopeMetrics().At(0).Metrics().At(0)
			if m.Name() != "db.client.test.calls" || m.Unit() != "{call}" || m.Type() != pmetric.MetricTypeSum {
				t.Fatalf("metric %q unit %q type %s", m.Name(), m.Unit(), m.Type())
			}
			dp := m.Sum().DataPoints().At(0)
			if dp.IntValue() != 42 || !m.Sum().IsMonotonic() {
				t.Errorf("value %d monotonic %v, want 42 true", dp.IntValue(), m.Sum().IsMonotonic())
			}
			if v, _ := dp.Attributes().Get("db.namespace"); v.Str() != "app" {
				t.Errorf("point attributes = %v", dp.Attributes().AsRaw())
			}
		})
	}
}

func TestSDKLogs(t *testing.T) {
	ctx := context.Background()
	exporters := map[string]func(s *Server) (sdklog.Exporter, error){
		"grpc": func(s *Server) (sdklog.Exporter, error) {
			return otlploggrpc.New(ctx, otlploggrpc.WithEndpoint(s.GRPCAddr().String()), otlploggrpc.WithInsecure(), otlploggrpc.WithCompressor("gzip"))
		},
		"http": func(s *Server) (sdklog.Exporter, error) {
			return otlploghttp.New(ctx, otlploghttp.WithEndpoint(s.HTTPAddr().String()), otlploghttp.WithInsecure(), otlploghttp.WithCompression(otlploghttp.GzipCompression))
		},
	}
	ts := time.Unix(1_700_000_000, 123)
	for name, newExp := range exporters {
		t.Run(name, func(t *testing.T) {
			rec := &recorder{}
			s := startServer(t, testConfig(), rec)
			exp, err := newExp(s)
			if err != nil {
				t.Fatal(err)
			}
			lp := sdklog.NewLoggerProvider(sdklog.WithProcessor(sdklog.NewSimpleProcessor(exp)), sdklog.WithResource(sdkResource))
			var r otellog.Record
			r.SetTimestamp(ts)
			r.SetEventName("db.server.query_sample")
			r.SetSeverity(otellog.SeverityWarn)
			r.SetBody(attribute.StringValue("lock wait on relation users"))
			r.AddAttributes(attribute.String("db.query.id", "-4242"), attribute.Float64("wait.seconds", 1.5))
			lp.Logger("dbintel-test").Emit(ctx, r)
			if err := lp.Shutdown(ctx); err != nil {
				t.Fatalf("shutdown: %v", err)
			}

			ld := rec.merged().Logs
			if ld.LogRecordCount() != 1 {
				t.Fatalf("%d records arrived, want 1", ld.LogRecordCount())
			}
			rl := ld.ResourceLogs().At(0)
			checkResource(t, rl.Resource().Attributes().AsRaw())
			got := rl.ScopeLogs().At(0).LogRecords().At(0)
			if got.Body().Str() != "lock wait on relation users" || got.SeverityNumber() != plog.SeverityNumberWarn ||
				got.EventName() != "db.server.query_sample" || !got.Timestamp().AsTime().Equal(ts) {
				t.Errorf("record body %q severity %s event %q time %s", got.Body().Str(), got.SeverityNumber(), got.EventName(), got.Timestamp())
			}
			attrs := got.Attributes().AsRaw()
			if attrs["db.query.id"] != "-4242" || attrs["wait.seconds"] != 1.5 {
				t.Errorf("record attributes = %v", attrs)
			}
		})
	}
}

var _ pipeline.Consumer = (*recorder)(nil)
