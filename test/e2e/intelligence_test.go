package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dbintel/dbintel/pkg/contract"
	"github.com/dbintel/dbintel/test/fakebackend"
	"github.com/dbintel/dbintel/test/harness"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploggrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	otellog "go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/metric"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// TestPIINeverReachesTheBackend: with the default deploy config, PII sent
// by ordinary OpenTelemetry SDKs in span attributes, PostgreSQL error log
// bodies and metric attributes reaches neither the backend nor the logs.
func TestPIINeverReachesTheBackend(t *testing.T) {
	ctx := context.Background()
	backend := fakebackend.Start(t)
	gw := harness.StartGateway(t, harness.GatewayEnv(t, map[string]string{
		"DBINTEL_FORWARD_ENDPOINT": backend.GRPCAddr(), "NEW_RELIC_LICENSE_KEY": licenseKey, "DBINTEL_LOG_LEVEL": "debug",
	}), "")
	secrets := map[string][]string{
		"email": {"jane.doe@example.com"},
		"card":  {"4111 1111 1111 1111", "4111111111111111"},
		"ssn":   {"123-45-6789", "123456789"},
		"phone": {"+1 415 555 2671", "4155552671"},
	}
	res := resource.NewSchemaless(attribute.String("service.name", "billing"))

	te, err := otlptracegrpc.New(ctx, otlptracegrpc.WithEndpoint(gw.GRPC), otlptracegrpc.WithInsecure())
	if err != nil {
		t.Fatal(err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(te), sdktrace.WithResource(res))
	_, span := tp.Tracer("e2e").Start(ctx, "SELECT customers")
	span.SetAttributes(attribute.String("db.statement", "SELECT * FROM customers WHERE email = 'jane.doe@example.com' AND card = '4111 1111 1111 1111'"))
	span.End()
	mustShutdown(t, tp.Shutdown(ctx))

	le, err := otlploggrpc.New(ctx, otlploggrpc.WithEndpoint(gw.GRPC), otlploggrpc.WithInsecure())
	if err != nil {
		t.Fatal(err)
	}
	lp := sdklog.NewLoggerProvider(sdklog.WithResource(res), sdklog.WithProcessor(sdklog.NewSimpleProcessor(le)))
	var r otellog.Record
	r.SetTimestamp(time.Now())
	r.SetSeverity(otellog.SeverityError)
	r.SetBody(attribute.StringValue(`ERROR:  duplicate key value violates unique constraint "people_ssn_key"` + "\n" + `DETAIL:  Key (ssn)=(123-45-6789) already exists.`))
	lp.Logger("e2e").Emit(ctx, r)
	mustShutdown(t, lp.Shutdown(ctx))

	me, err := otlpmetrichttp.New(ctx, otlpmetrichttp.WithEndpoint(gw.HTTP), otlpmetrichttp.WithInsecure())
	if err != nil {
		t.Fatal(err)
	}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithResource(res), sdkmetric.WithReader(sdkmetric.NewPeriodicReader(me, sdkmetric.WithInterval(time.Hour))))
	c, _ := mp.Meter("e2e").Int64Counter("sms.sent")
	c.Add(ctx, 1, metric.WithAttributes(attribute.String("recipient", "+1 415 555 2671")))
	mustShutdown(t, mp.Shutdown(ctx))

	backend.WaitForItems(t, 3, 20*time.Second)
	var received strings.Builder
	for _, td := range backend.Traces() {
		received.WriteString(fmt.Sprint(td.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0).Attributes().AsRaw()))
	}
	for _, ld := range backend.Logs() {
		b, _ := (&plog.JSONMarshaler{}).MarshalLogs(ld)
		received.Write(b)
	}
	for _, md := range backend.Metrics() {
		b, _ := (&pmetric.JSONMarshaler{}).MarshalMetrics(md)
		received.Write(b)
	}
	out := received.String()
	for kind, values := range secrets {
		for _, v := range values {
			if strings.Contains(out, v) {
				t.Errorf("%s %q reached the backend", kind, v)
			}
			if strings.Contains(gw.Output(), v) {
				t.Errorf("%s %q appears in the gateway's log", kind, v)
			}
		}
	}
	// The phone number in a metric attribute is found by the PII
	// recognizers; the SSN in the error log's DETAIL is masked as the key
	// value it is (server-log structure), whatever it looks like.
	for _, marker := range []string{"[REDACTED:phone]", "Key (ssn)=("} {
		if !strings.Contains(out, marker) {
			t.Errorf("no %s in what arrived: the value must be redacted, not lost with its record", marker)
		}
	}
	if !strings.Contains(out, "people_ssn_key") {
		t.Errorf("the rest of the error message must survive: %s", out)
	}
}

// TestBreakerShedsAFloodingDatabaseThroughTheGateway: one database floods
// 50× the breaker's budget while two others send normally. The flooding
// database's query-level events are shed and its infrastructure metrics
// kept, the others are untouched, and each transition reaches the backend
// as one dbintel.breaker event.
func TestBreakerShedsAFloodingDatabaseThroughTheGateway(t *testing.T) {
	backend := fakebackend.Start(t)
	base, err := os.ReadFile(filepath.Join(harness.Root(), "deploy", "gateway.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := string(base)
	for old, repl := range map[string]string{
		"    volume_per_minute: 30000":  "    volume_per_minute: 600",
		"    interval: 10s":             "    interval: 1s",
		"    open_timeout: 30s":         "    open_timeout: 2s",
		"    healthy_intervals: 3":      "    healthy_intervals: 1",
		"      per_minute: 10000":       "      per_minute: 0", // the sampler's budget would absorb the flood first
		"      window: 1m            #": "      window: 0s            #",
	} {
		if !strings.Contains(cfg, old) {
			t.Fatalf("deploy/gateway.yaml has no line %q", old)
		}
		cfg = strings.Replace(cfg, old, repl, 1)
	}
	path := filepath.Join(t.TempDir(), "gateway.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	gw := harness.StartGateway(t, harness.GatewayEnv(t, map[string]string{
		"DBINTEL_FORWARD_ENDPOINT": backend.GRPCAddr(), "NEW_RELIC_LICENSE_KEY": licenseKey,
	}), path)
	conn, err := grpc.NewClient(gw.GRPC, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	logs, metrics := plogotlp.NewGRPCClient(conn), pmetricotlp.NewGRPCClient(conn)

	// Budget 600/min = 10/s; normal sources send 2 events/s, the flood 500/s.
	sent := map[string]int{}
	send := func(host string, events int, seq int) {
		ld := plog.NewLogs()
		rl := ld.ResourceLogs().AppendEmpty()
		dbResource(rl.Resource(), host)
		recs := rl.ScopeLogs().AppendEmpty().LogRecords()
		for i := range events {
			lr := recs.AppendEmpty()
			lr.SetEventName("db.server.top_query")
			lr.SetTimestamp(pcommon.NewTimestampFromTime(time.Now()))
			lr.Attributes().PutStr("db.query.id", fmt.Sprintf("%s-%d-%d", host, seq, i))
			lr.Attributes().PutInt("db.query.calls", 1)
		}
		if _, err := logs.Export(context.Background(), plogotlp.NewExportRequestFromLogs(ld)); err != nil {
			t.Fatalf("export logs: %v", err)
		}
		md := pmetric.NewMetrics()
		rm := md.ResourceMetrics().AppendEmpty()
		dbResource(rm.Resource(), host)
		m := rm.ScopeMetrics().AppendEmpty().Metrics().AppendEmpty()
		m.SetName("postgresql.backends")
		dp := m.SetEmptyGauge().DataPoints().AppendEmpty()
		dp.SetTimestamp(pcommon.NewTimestampFromTime(time.Now()))
		dp.SetIntValue(int64(seq))
		if _, err := metrics.Export(context.Background(), pmetricotlp.NewExportRequestFromMetrics(md)); err != nil {
			t.Fatalf("export metrics: %v", err)
		}
		sent[host+" events"] += events
		sent[host+" points"]++
	}
	seq := 0
	tick := func(flood bool) {
		seq++
		send("db-a", 1, seq)
		send("db-b", 1, seq)
		n := 1
		if flood {
			n = 250
		}
		send("db-flood", n, seq)
		time.Sleep(500 * time.Millisecond)
	}
	for range 8 { // 4 s of flood
		tick(true)
	}
	for range 14 { // 7 s calm: the breaker half-opens after 2 s and closes after a healthy interval
		tick(false)
	}

	counts, transitions := func() (map[string]int, []string) {
		deadline := time.Now().Add(20 * time.Second)
		for {
			counts, transitions := breakerView(backend)
			if counts["db-a points"] == sent["db-a points"] && counts["db-b events"] == sent["db-b events"] &&
				counts["db-flood points"] == sent["db-flood points"] || time.Now().After(deadline) {
				return counts, transitions
			}
			time.Sleep(100 * time.Millisecond)
		}
	}()
	for _, k := range []string{"db-a events", "db-a points", "db-b events", "db-b points", "db-flood points"} {
		if counts[k] != sent[k] {
			t.Errorf("%s: %d arrived of %d sent (must all arrive)", k, counts[k], sent[k])
		}
	}
	if counts["db-flood events"] >= sent["db-flood events"]/2 {
		t.Errorf("flood events: %d of %d arrived; the breaker should have shed most", counts["db-flood events"], sent["db-flood events"])
	}
	// One event per transition: the chain must be unbroken, open first and
	// closed last. (A probe during the flood re-opens it; that is fine.)
	chained := len(transitions) >= 3 && transitions[0] == "closed>open" && transitions[len(transitions)-1] == "half-open>closed"
	for i := 1; chained && i < len(transitions); i++ {
		_, prevTo, _ := strings.Cut(transitions[i-1], ">")
		from, _, _ := strings.Cut(transitions[i], ">")
		chained = prevTo == from
	}
	if !chained {
		t.Errorf("dbintel.breaker events for db-flood = %v, want an unbroken chain from closed>open to half-open>closed", transitions)
	}
	for _, h := range []string{"db-a", "db-b"} {
		for _, tr := range breakerEventsFor(backend, h) {
			t.Errorf("%s, sending normally, had a breaker transition %s", h, tr)
		}
	}
	t.Logf("sent %v, arrived %v, transitions %v", sent, counts, transitions)
}

func dbResource(r pcommon.Resource, host string) {
	r.Attributes().PutStr("db.system.name", "postgresql")
	r.Attributes().PutStr("server.address", host)
	r.Attributes().PutInt("server.port", 5432)
}

func breakerEventsFor(backend *fakebackend.Backend, host string) []string {
	var out []string
	for _, ld := range backend.Logs() {
		for i := 0; i < ld.ResourceLogs().Len(); i++ {
			rl := ld.ResourceLogs().At(i)
			if h, _ := rl.Resource().Attributes().Get("server.address"); h.Str() != host {
				continue
			}
			for j := 0; j < rl.ScopeLogs().Len(); j++ {
				recs := rl.ScopeLogs().At(j).LogRecords()
				for k := 0; k < recs.Len(); k++ {
					if recs.At(k).EventName() == "dbintel.breaker" {
						to, _ := recs.At(k).Attributes().Get(contract.AttrBreakerTo)
						out = append(out, to.Str())
					}
				}
			}
		}
	}
	return out
}

// breakerView counts what arrived per host and lists the flood's breaker
// transitions in arrival order.
func breakerView(backend *fakebackend.Backend) (map[string]int, []string) {
	counts := map[string]int{}
	var transitions []string
	for _, ld := range backend.Logs() {
		for i := 0; i < ld.ResourceLogs().Len(); i++ {
			rl := ld.ResourceLogs().At(i)
			host, _ := rl.Resource().Attributes().Get("server.address")
			for j := 0; j < rl.ScopeLogs().Len(); j++ {
				recs := rl.ScopeLogs().At(j).LogRecords()
				for k := 0; k < recs.Len(); k++ {
					lr := recs.At(k)
					if lr.EventName() == "dbintel.breaker" {
						if host.Str() == "db-flood" {
							from, _ := lr.Attributes().Get(contract.AttrBreakerFrom)
							to, _ := lr.Attributes().Get(contract.AttrBreakerTo)
							transitions = append(transitions, from.Str()+">"+to.Str())
						}
						continue
					}
					counts[host.Str()+" events"]++
				}
			}
		}
	}
	for _, md := range backend.Metrics() {
		for i := 0; i < md.ResourceMetrics().Len(); i++ {
			rm := md.ResourceMetrics().At(i)
			host, _ := rm.Resource().Attributes().Get("server.address")
			counts[host.Str()+" points"] += rm.ScopeMetrics().At(0).Metrics().At(0).Gauge().DataPoints().Len()
		}
	}
	return counts, transitions
}
