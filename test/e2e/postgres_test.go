// Package e2e runs the real binaries end to end: a real PostgreSQL, the
// scraper, the gateway and a fake New Relic OTLP backend, plus the
// OpenTelemetry Go SDK as a sender nobody here wrote.
package e2e

import (
	"testing"
	"time"

	"github.com/dbintel/dbintel/test/fakebackend"
	"github.com/dbintel/dbintel/test/harness"
	"github.com/dbintel/dbintel/test/pgtest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

const licenseKey = "e2e-license-key"

func TestPostgresThroughScraperAndGatewayToBackend(t *testing.T) {
	pg := pgtest.Start(t)
	for _, protocol := range []string{"grpc", "http"} {
		t.Run(protocol, func(t *testing.T) {
			backend := fakebackend.Start(t)
			endpoint := backend.GRPCAddr()
			if protocol == "http" {
				endpoint = backend.HTTPURL()
			}
			gw := harness.StartGateway(t, harness.GatewayEnv(t, map[string]string{
				"DBINTEL_FORWARD_ENDPOINT": endpoint,
				"DBINTEL_FORWARD_PROTOCOL": protocol,
				"NEW_RELIC_LICENSE_KEY":    licenseKey,
			}), "")
			harness.Start(t, harness.Binary(t, "scraper"), map[string]string{
				"DBINTEL_POSTGRES_DSN":             pg.DSN(),
				"DBINTEL_GATEWAY_ENDPOINT":         gw.GRPC,
				"DBINTEL_SCRAPER_METRICS_ENDPOINT": harness.FreeAddr(t),
				"DBINTEL_SCRAPER_HEALTH_ENDPOINT":  harness.FreeAddr(t),
			}, "--config", "deploy/scraper.yaml")

			want := []string{"postgresql.backends", "postgresql.db_size", "postgresql.connection.max", "postgresql.database.count"}
			var got map[string]pmetric.Metric
			var resource pcommon.Resource
			deadline := time.Now().Add(45 * time.Second)
			for {
				got, resource = metricsByName(backend.Metrics())
				if hasAll(got, want) || time.Now().After(deadline) {
					break
				}
				time.Sleep(200 * time.Millisecond)
			}
			for _, name := range want {
				if _, ok := got[name]; !ok {
					t.Fatalf("metric %s never reached the backend; got %v", name, keys(got))
				}
			}
			for attr, wantVal := range map[string]string{"db.system.name": "postgresql", "server.address": "127.0.0.1"} {
				if v, ok := resource.Attributes().Get(attr); !ok || v.AsString() != wantVal {
					t.Errorf("resource %s = %v, want %s", attr, v.AsString(), wantVal)
				}
			}
			if v, ok := resource.Attributes().Get("server.port"); !ok || v.Int() != int64(pg.Port()) {
				t.Errorf("server.port = %v, want %d", v.AsString(), pg.Port())
			}
			for _, r := range backend.Requests() {
				if r.Headers["api-key"] != licenseKey {
					t.Fatalf("a %s request reached the backend with api-key %q", r.Transport, r.Headers["api-key"])
				}
				if r.Transport != protocol {
					t.Fatalf("request over %s, want %s", r.Transport, protocol)
				}
			}
			if err := gw.Stop(15 * time.Second); err != nil {
				t.Fatalf("gateway did not stop cleanly: %v", err)
			}
		})
	}
}

func metricsByName(all []pmetric.Metrics) (map[string]pmetric.Metric, pcommon.Resource) {
	out := map[string]pmetric.Metric{}
	resource := pcommon.NewResource()
	for _, md := range all {
		for i := 0; i < md.ResourceMetrics().Len(); i++ {
			rm := md.ResourceMetrics().At(i)
			for j := 0; j < rm.ScopeMetrics().Len(); j++ {
				ms := rm.ScopeMetrics().At(j).Metrics()
				for k := 0; k < ms.Len(); k++ {
					out[ms.At(k).Name()] = ms.At(k)
					if v, ok := rm.Resource().Attributes().Get("db.system.name"); ok && v.Str() == "postgresql" {
						resource = rm.Resource()
					}
				}
			}
		}
	}
	return out, resource
}

func hasAll(got map[string]pmetric.Metric, want []string) bool {
	for _, n := range want {
		if _, ok := got[n]; !ok {
			return false
		}
	}
	return true
}

func keys(m map[string]pmetric.Metric) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
