package mysql

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.uber.org/goleak"

	"github.com/dbintel/dbintel/internal/config"
	"github.com/dbintel/dbintel/pkg/pipeline"
	"github.com/dbintel/dbintel/pkg/scrape"
	"github.com/dbintel/dbintel/test/mariadbtest"
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

// events returns the log records named name.
func events(ld plog.Logs, name string) []plog.LogRecord {
	var out []plog.LogRecord
	for i := 0; i < ld.ResourceLogs().Len(); i++ {
		sls := ld.ResourceLogs().At(i).ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			lrs := sls.At(j).LogRecords()
			for k := 0; k < lrs.Len(); k++ {
				if lrs.At(k).EventName() == name {
					out = append(out, lrs.At(k))
				}
			}
		}
	}
	return out
}

func attr(lr plog.LogRecord, k string) pcommon.Value {
	v, _ := lr.Attributes().Get(k)
	return v
}

type sqlConn = sql.Conn

// startServerB is startServer for benchmarks.
func startServerB(b *testing.B) (*mariadbtest.Server, Config) {
	b.Helper()
	return startServerTB(b)
}

// startServer starts MariaDB with performance_schema and returns a config
// pointing at it.
func startServer(t *testing.T, opts ...mariadbtest.Option) (*mariadbtest.Server, Config) {
	t.Helper()
	return startServerTB(t, opts...)
}

func startServerTB(t testing.TB, opts ...mariadbtest.Option) (*mariadbtest.Server, Config) {
	t.Helper()
	if len(opts) == 0 {
		opts = []mariadbtest.Option{mariadbtest.WithPerformanceSchema()}
	}
	srv := mariadbtest.Start(t, opts...)
	cfg := DefaultConfig()
	cfg.DSN = config.Secret(srv.DSNFor(""))
	cfg.QueryTimeout = 2 * time.Second
	return srv, cfg
}

// collectorNamed builds the collectors for cfg and returns the named one.
func collectorNamed(t *testing.T, cfg Config, name string) scrape.Collector {
	t.Helper()
	return collectorWith(t, cfg, "", name)
}

// collectorWith is collectorNamed with a counter temporality ("" = default).
func collectorWith(t *testing.T, cfg Config, temporality scrape.Temporality, name string) scrape.Collector {
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

func mustExec(t *testing.T, db *sql.DB, q string, args ...any) {
	t.Helper()
	if _, err := db.Exec(q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func errorsAs(err error, target **scrape.DisabledError) bool { return errors.As(err, target) }

type nullString = sql.NullString

func ns(s string) sql.NullString { return sql.NullString{String: s, Valid: true} }

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

func testTarget() scrape.Target { return scrape.NewTarget("mysql", "127.0.0.1", 3306, nil) }
