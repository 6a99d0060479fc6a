package e2e

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/dbintel/dbintel/test/fakebackend"
	"github.com/dbintel/dbintel/test/harness"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
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
)

// TestOTelSDKSendersThroughGateway sends the same telemetry from the
// OpenTelemetry Go SDK twice: straight to one backend, and through the
// gateway (over gRPC and over HTTP) to another. What arrives must be the
// same item for item, and the gateway's self-metrics must balance.
func TestOTelSDKSendersThroughGateway(t *testing.T) {
	ctx := context.Background()
	direct := fakebackend.Start(t)
	forwarded := fakebackend.Start(t)
	gw := harness.StartGateway(t, harness.GatewayEnv(t, map[string]string{
		"DBINTEL_FORWARD_ENDPOINT": forwarded.GRPCAddr(),
		"NEW_RELIC_LICENSE_KEY":    licenseKey,
	}), "")

	res := resource.NewSchemaless(attribute.String("service.name", "checkout"), attribute.String("deployment.environment.name", "e2e"))
	for _, transport := range []string{"grpc", "http"} {
		gwTrace, directTrace := traceExporters(t, ctx, transport, gw, direct)
		tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(gwTrace), sdktrace.WithSyncer(directTrace), sdktrace.WithResource(res))
		tracer := tp.Tracer("e2e")
		for i := range 20 {
			_, span := tracer.Start(ctx, fmt.Sprintf("SELECT orders %s %d", transport, i), trace.WithSpanKind(trace.SpanKindClient),
				trace.WithAttributes(attribute.String("db.system.name", "postgresql"), attribute.String("db.query.text", "SELECT * FROM orders WHERE id = ?"), attribute.Int("attempt", i)))
			span.AddEvent("rows", trace.WithAttributes(attribute.Int("count", i)))
			span.End()
		}
		mustShutdown(t, tp.Shutdown(ctx))

		gwMetric, directMetric := metricExporters(t, ctx, transport, gw, direct)
		mp := sdkmetric.NewMeterProvider(sdkmetric.WithResource(res),
			sdkmetric.WithReader(sdkmetric.NewPeriodicReader(gwMetric, sdkmetric.WithInterval(time.Hour))),
			sdkmetric.WithReader(sdkmetric.NewPeriodicReader(directMetric, sdkmetric.WithInterval(time.Hour))))
		calls, _ := mp.Meter("e2e").Int64Counter("app.db.calls", metric.WithUnit("{call}"))
		latency, _ := mp.Meter("e2e").Float64Histogram("app.db.latency", metric.WithUnit("s"))
		for i := range 10 {
			calls.Add(ctx, int64(i), metric.WithAttributes(attribute.String("transport", transport), attribute.Int("shard", i%3)))
			latency.Record(ctx, float64(i)/100, metric.WithAttributes(attribute.String("transport", transport)))
		}
		mustShutdown(t, mp.Shutdown(ctx))

		gwLog, directLog := logExporters(t, ctx, transport, gw, direct)
		lp := sdklog.NewLoggerProvider(sdklog.WithResource(res),
			sdklog.WithProcessor(sdklog.NewSimpleProcessor(gwLog)), sdklog.WithProcessor(sdklog.NewSimpleProcessor(directLog)))
		for i := range 15 {
			var r otellog.Record
			r.SetTimestamp(time.Now())
			r.SetSeverity(otellog.SeverityInfo)
			r.SetBody(attribute.StringValue(fmt.Sprintf("order %d shipped via %s", i, transport)))
			r.AddAttributes(attribute.Int("order.line", i))
			lp.Logger("e2e").Emit(ctx, r)
		}
		mustShutdown(t, lp.Shutdown(ctx))
	}

	wantItems := direct.Items()
	forwarded.WaitForItems(t, wantItems, 30*time.Second)
	compare(t, "spans", spanKeys(direct.Traces()), spanKeys(forwarded.Traces()))
	compare(t, "points", pointKeys(direct.Metrics()), pointKeys(forwarded.Metrics()))
	compare(t, "log records", logKeys(direct.Logs()), logKeys(forwarded.Logs()))

	m := harness.ScrapeMetrics(t, gw.Metrics)
	received := m.Sum("dbintel_receiver_items_received_total")
	accepted := m.Sum("dbintel_receiver_items_accepted_total")
	refused := m.Sum("dbintel_receiver_items_refused_total")
	if received != float64(wantItems) || received != accepted+refused {
		t.Errorf("receiver: received %v, accepted %v, refused %v; sent by the SDK %d", received, accepted, refused, wantItems)
	}
	stageDropped := m.Sum("dbintel_pipeline_stage_items_dropped_total")
	stageAdded := m.Sum("dbintel_pipeline_stage_items_added_total")
	enqueued := m.Sum("dbintel_forward_items_enqueued_total")
	sent := m.Sum("dbintel_forward_items_sent_total")
	dropped := m.Sum("dbintel_forward_items_dropped_total")
	queued := m.Sum("dbintel_forward_queue_items")
	if accepted+stageAdded != stageDropped+enqueued || enqueued != sent+dropped+queued {
		t.Errorf("balance: accepted %v + stage additions %v = stage drops %v + enqueued %v; enqueued = sent %v + dropped %v + queued %v",
			accepted, stageAdded, stageDropped, enqueued, sent, dropped, queued)
	}
}

func mustShutdown(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("SDK shutdown (export) failed: %v", err)
	}
}

func compare(t *testing.T, what string, want, got []string) {
	t.Helper()
	if len(want) == 0 {
		t.Fatalf("no %s were sent directly", what)
	}
	if strings.Join(want, "\n") != strings.Join(got, "\n") {
		t.Errorf("%s differ:\ndirect (%d):\n%s\nthrough the gateway (%d):\n%s", what, len(want), strings.Join(want, "\n"), len(got), strings.Join(got, "\n"))
	}
}

// The keys below describe each item with its resource and scope, so
// batches merged differently by the gateway still compare equal.

func spanKeys(all []ptrace.Traces) []string {
	var out []string
	for _, td := range all {
		for i := 0; i < td.ResourceSpans().Len(); i++ {
			rs := td.ResourceSpans().At(i)
			for j := 0; j < rs.ScopeSpans().Len(); j++ {
				ss := rs.ScopeSpans().At(j)
				for k := 0; k < ss.Spans().Len(); k++ {
					s := ss.Spans().At(k)
					out = append(out, fmt.Sprintf("%v|%s|%s|%s|%s|%s|%v|%d|%d|%s|%d", rs.Resource().Attributes().AsRaw(), ss.Scope().Name(),
						s.Name(), s.TraceID(), s.SpanID(), s.Kind(), s.Attributes().AsRaw(), s.StartTimestamp(), s.EndTimestamp(), s.Status().Code(), s.Events().Len()))
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

func pointKeys(all []pmetric.Metrics) []string {
	var out []string
	for _, md := range all {
		for i := 0; i < md.ResourceMetrics().Len(); i++ {
			rm := md.ResourceMetrics().At(i)
			for j := 0; j < rm.ScopeMetrics().Len(); j++ {
				sm := rm.ScopeMetrics().At(j)
				for k := 0; k < sm.Metrics().Len(); k++ {
					m := sm.Metrics().At(k)
					prefix := fmt.Sprintf("%v|%s|%s|%s|%s", rm.Resource().Attributes().AsRaw(), sm.Scope().Name(), m.Name(), m.Unit(), m.Type())
					switch m.Type() {
					case pmetric.MetricTypeSum:
						for p := 0; p < m.Sum().DataPoints().Len(); p++ {
							dp := m.Sum().DataPoints().At(p)
							out = append(out, fmt.Sprintf("%s|%v|%d|%v", prefix, dp.Attributes().AsRaw(), dp.IntValue(), m.Sum().AggregationTemporality()))
						}
					case pmetric.MetricTypeHistogram:
						for p := 0; p < m.Histogram().DataPoints().Len(); p++ {
							dp := m.Histogram().DataPoints().At(p)
							out = append(out, fmt.Sprintf("%s|%v|%d|%g|%v", prefix, dp.Attributes().AsRaw(), dp.Count(), dp.Sum(), dp.BucketCounts().AsRaw()))
						}
					default:
						out = append(out, prefix+"|unexpected type")
					}
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

func logKeys(all []plog.Logs) []string {
	var out []string
	for _, ld := range all {
		for i := 0; i < ld.ResourceLogs().Len(); i++ {
			rl := ld.ResourceLogs().At(i)
			for j := 0; j < rl.ScopeLogs().Len(); j++ {
				sl := rl.ScopeLogs().At(j)
				for k := 0; k < sl.LogRecords().Len(); k++ {
					r := sl.LogRecords().At(k)
					out = append(out, fmt.Sprintf("%v|%s|%s|%s|%v|%d", rl.Resource().Attributes().AsRaw(), sl.Scope().Name(),
						r.Body().AsString(), r.SeverityText()+r.SeverityNumber().String(), r.Attributes().AsRaw(), r.Timestamp()))
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

func traceExporters(t *testing.T, ctx context.Context, transport string, gw *harness.Gateway, direct *fakebackend.Backend) (sdktrace.SpanExporter, sdktrace.SpanExporter) {
	t.Helper()
	var a, b sdktrace.SpanExporter
	var err1, err2 error
	if transport == "grpc" {
		a, err1 = otlptracegrpc.New(ctx, otlptracegrpc.WithEndpoint(gw.GRPC), otlptracegrpc.WithInsecure())
		b, err2 = otlptracegrpc.New(ctx, otlptracegrpc.WithEndpoint(direct.GRPCAddr()), otlptracegrpc.WithInsecure())
	} else {
		a, err1 = otlptracehttp.New(ctx, otlptracehttp.WithEndpoint(gw.HTTP), otlptracehttp.WithInsecure())
		b, err2 = otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(direct.HTTPURL()+"/v1/traces"))
	}
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	return a, b
}

func metricExporters(t *testing.T, ctx context.Context, transport string, gw *harness.Gateway, direct *fakebackend.Backend) (sdkmetric.Exporter, sdkmetric.Exporter) {
	t.Helper()
	var a, b sdkmetric.Exporter
	var err1, err2 error
	if transport == "grpc" {
		a, err1 = otlpmetricgrpc.New(ctx, otlpmetricgrpc.WithEndpoint(gw.GRPC), otlpmetricgrpc.WithInsecure())
		b, err2 = otlpmetricgrpc.New(ctx, otlpmetricgrpc.WithEndpoint(direct.GRPCAddr()), otlpmetricgrpc.WithInsecure())
	} else {
		a, err1 = otlpmetrichttp.New(ctx, otlpmetrichttp.WithEndpoint(gw.HTTP), otlpmetrichttp.WithInsecure())
		b, err2 = otlpmetrichttp.New(ctx, otlpmetrichttp.WithEndpointURL(direct.HTTPURL()+"/v1/metrics"))
	}
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	return a, b
}

func logExporters(t *testing.T, ctx context.Context, transport string, gw *harness.Gateway, direct *fakebackend.Backend) (sdklog.Exporter, sdklog.Exporter) {
	t.Helper()
	var a, b sdklog.Exporter
	var err1, err2 error
	if transport == "grpc" {
		a, err1 = otlploggrpc.New(ctx, otlploggrpc.WithEndpoint(gw.GRPC), otlploggrpc.WithInsecure())
		b, err2 = otlploggrpc.New(ctx, otlploggrpc.WithEndpoint(direct.GRPCAddr()), otlploggrpc.WithInsecure())
	} else {
		a, err1 = otlploghttp.New(ctx, otlploghttp.WithEndpoint(gw.HTTP), otlploghttp.WithInsecure())
		b, err2 = otlploghttp.New(ctx, otlploghttp.WithEndpointURL(direct.HTTPURL()+"/v1/logs"))
	}
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	return a, b
}
