package postgres

import (
	"context"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.uber.org/goleak"

	"github.com/dbintel/dbintel/internal/config"
	"github.com/dbintel/dbintel/pkg/pipeline"
	"github.com/dbintel/dbintel/pkg/scrape"
	"github.com/dbintel/dbintel/test/pgtest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// point is one flattened data point for assertions.
type point struct {
	metric pmetric.Metric
	dp     pmetric.NumberDataPoint
}

func (p point) value() float64 {
	if p.dp.ValueType() == pmetric.NumberDataPointValueTypeInt {
		return float64(p.dp.IntValue())
	}
	return p.dp.DoubleValue()
}

func (p point) attr(k string) string {
	v, _ := p.dp.Attributes().Get(k)
	return v.AsString()
}

// points returns the points of metric name whose attributes include attrs.
func points(md pmetric.Metrics, name string, attrs ...string) []point {
	var out []point
	rms := md.ResourceMetrics()
	for i := 0; i < rms.Len(); i++ {
		sms := rms.At(i).ScopeMetrics()
		for j := 0; j < sms.Len(); j++ {
			ms := sms.At(j).Metrics()
			for k := 0; k < ms.Len(); k++ {
				m := ms.At(k)
				if m.Name() != name {
					continue
				}
				var dps pmetric.NumberDataPointSlice
				switch m.Type() {
				case pmetric.MetricTypeGauge:
					dps = m.Gauge().DataPoints()
				case pmetric.MetricTypeSum:
					dps = m.Sum().DataPoints()
				default:
					continue
				}
			next:
				for d := 0; d < dps.Len(); d++ {
					for a := 0; a+1 < len(attrs); a += 2 {
						if v, ok := dps.At(d).Attributes().Get(attrs[a]); !ok || v.AsString() != attrs[a+1] {
							continue next
						}
					}
					out = append(out, point{metric: m, dp: dps.At(d)})
				}
			}
		}
	}
	return out
}

func testTarget() scrape.Target {
	return scrape.NewTarget("postgresql", "127.0.0.1", 5432, map[string]string{"deployment.environment.name": "test"})
}

func deltaTarget() scrape.Target {
	t := testTarget()
	t.Temporality = scrape.Delta
	return t
}

// startServer starts PostgreSQL and returns a config pointing at it.
func startServer(t *testing.T, opts ...pgtest.Option) (*pgtest.Server, Config) {
	t.Helper()
	srv := pgtest.Start(t, opts...)
	cfg := DefaultConfig()
	cfg.DSN = config.Secret(srv.DSN())
	cfg.QueryTimeout = 2 * time.Second
	return srv, cfg
}

// collectorNamed builds the collectors for cfg and returns the named one;
// its counters are deltas (collectorWith chooses).
func collectorNamed(t *testing.T, cfg Config, name string) scrape.Collector {
	t.Helper()
	return collectorWith(t, cfg, name, scrape.Delta)
}

func collectorWith(t *testing.T, cfg Config, name string, temporality scrape.Temporality) scrape.Collector {
	t.Helper()
	target, err := NewTarget(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	target.Temporality = temporality
	cols, closeFn, err := NewCollectors(cfg, target, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(closeFn)
	for _, c := range cols {
		if c.Name() == name {
			return c
		}
	}
	t.Fatalf("no collector %q", name)
	return nil
}

func collect(t *testing.T, c scrape.Collector, now time.Time) pipeline.Batch {
	t.Helper()
	b, err := c.Collect(context.Background(), now)
	if err != nil {
		t.Fatalf("collect %s: %v", c.Name(), err)
	}
	return b
}

func resourceAttr(md pmetric.Metrics, k string) pcommon.Value {
	v, _ := md.ResourceMetrics().At(0).Resource().Attributes().Get(k)
	return v
}
