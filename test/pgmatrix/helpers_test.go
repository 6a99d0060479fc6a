package pgmatrix

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/dbintel/dbintel/internal/config"
	"github.com/dbintel/dbintel/pkg/contract"
	"github.com/dbintel/dbintel/pkg/pipeline"
	"github.com/dbintel/dbintel/pkg/scrape"
	"github.com/dbintel/dbintel/pkg/scrape/postgres"
	"github.com/dbintel/dbintel/test/pgtest"
)

// server is one running major version and what its subtests share.
type server struct {
	v   int
	srv *pgtest.Server
}

// set is a built set of collectors with the log and registry they report to.
type set struct {
	byName map[string]scrape.Collector
	all    []scrape.Collector
	target scrape.Target
	log    *logBuf
	reg    *prometheus.Registry
}

// collectors builds the scraper's collectors for the server; change adjusts
// the default configuration.
func (s *server) collectors(t *testing.T, change func(*postgres.Config)) *set {
	t.Helper()
	cfg := postgres.DefaultConfig()
	cfg.DSN = config.Secret(s.srv.DSN())
	cfg.QueryTimeout = 5 * time.Second
	if change != nil {
		change(&cfg)
	}
	target, err := postgres.NewTarget(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	lb := &logBuf{}
	reg := prometheus.NewRegistry()
	cols, closeFn, err := postgres.NewCollectors(cfg, target, slog.New(slog.NewTextHandler(lb, &slog.HandlerOptions{Level: slog.LevelWarn})), reg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(closeFn)
	st := &set{byName: map[string]scrape.Collector{}, all: cols, target: target, log: lb, reg: reg}
	for _, c := range cols {
		st.byName[c.Name()] = c
	}
	return st
}

func (st *set) collect(t *testing.T, name string) pipeline.Batch {
	t.Helper()
	c, ok := st.byName[name]
	if !ok {
		t.Fatalf("no collector %q", name)
	}
	b, err := c.Collect(context.Background(), time.Now())
	if err != nil {
		t.Fatalf("collect %s: %v", name, err)
	}
	return b
}

// counter returns the value of a self-metric whose name contains part.
func (st *set) counter(t *testing.T, part string) float64 {
	t.Helper()
	mfs, err := st.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if strings.Contains(mf.GetName(), part) {
			var sum float64
			for _, m := range mf.GetMetric() {
				sum += m.GetCounter().GetValue() + m.GetGauge().GetValue()
			}
			return sum
		}
	}
	t.Fatalf("no self-metric with %q", part)
	return 0
}

// logBuf collects the scraper's log lines.
type logBuf struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// event is one log record flattened for assertions that survive renamed
// attributes: the text, numbers and pids are looked up by value or by a
// short list of candidate names.
type event struct {
	name  string
	attrs map[string]any
	body  any
}

func events(b pipeline.Batch, name string) []event {
	var out []event
	rls := b.Logs.ResourceLogs()
	for i := 0; i < rls.Len(); i++ {
		sls := rls.At(i).ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			lrs := sls.At(j).LogRecords()
			for k := 0; k < lrs.Len(); k++ {
				lr := lrs.At(k)
				if n := contract.EventName(lr); n == name {
					out = append(out, event{name: n, attrs: lr.Attributes().AsRaw(), body: lr.Body().AsRaw()})
				}
			}
		}
	}
	return out
}

func (e event) text() string { s, _ := e.attrs[contract.AttrQueryText].(string); return s }

// num returns the first of keys that is a number.
func (e event) num(keys ...string) (float64, bool) {
	for _, k := range keys {
		switch v := e.attrs[k].(type) {
		case int64:
			return float64(v), true
		case float64:
			return v, true
		}
	}
	return 0, false
}

// keyWith reports whether an attribute name contains part.
func (e event) keyWith(part string) (string, bool) {
	for k := range e.attrs {
		if strings.Contains(k, part) {
			return k, true
		}
	}
	return "", false
}

func (e event) String() string {
	b, _ := json.Marshal(map[string]any{"name": e.name, "attrs": e.attrs, "body": e.body})
	return string(b)
}

// mentions reports whether the event names pid anywhere (attribute or body).
func (e event) mentions(pid int32) bool {
	return strings.Contains(e.String(), fmt.Sprintf(":%d", pid)) || strings.Contains(e.String(), fmt.Sprintf("[%d", pid)) ||
		strings.Contains(e.String(), fmt.Sprintf(",%d", pid))
}

// metricNames lists the metric names of a batch.
func metricNames(b pipeline.Batch) map[string]bool {
	out := map[string]bool{}
	rms := b.Metrics.ResourceMetrics()
	for i := 0; i < rms.Len(); i++ {
		sms := rms.At(i).ScopeMetrics()
		for j := 0; j < sms.Len(); j++ {
			ms := sms.At(j).Metrics()
			for k := 0; k < ms.Len(); k++ {
				out[ms.At(k).Name()] = true
			}
		}
	}
	return out
}

// points returns the data points of metric name with attribute k = v.
func points(b pipeline.Batch, name, k, v string) []pmetric.NumberDataPoint {
	var out []pmetric.NumberDataPoint
	rms := b.Metrics.ResourceMetrics()
	for i := 0; i < rms.Len(); i++ {
		sms := rms.At(i).ScopeMetrics()
		for j := 0; j < sms.Len(); j++ {
			ms := sms.At(j).Metrics()
			for x := 0; x < ms.Len(); x++ {
				m := ms.At(x)
				if m.Name() != name {
					continue
				}
				dps := pmetric.NewNumberDataPointSlice()
				switch m.Type() {
				case pmetric.MetricTypeGauge:
					dps = m.Gauge().DataPoints()
				case pmetric.MetricTypeSum:
					dps = m.Sum().DataPoints()
				}
				for d := 0; d < dps.Len(); d++ {
					if a, ok := dps.At(d).Attributes().Get(k); ok && a.AsString() == v {
						out = append(out, dps.At(d))
					}
				}
			}
		}
	}
	return out
}

// scraperText recognises the SQL the scraper sends (it reads the
// statistics views; the tests' own statements never do).
func scraperText(text string) bool {
	for _, s := range []string{"pg_stat_", "pg_locks", "pg_database", "pg_settings", "current_setting", "pg_replication_slots", "pg_roles", "pg_class", "pg_blocking_pids", "READ ONLY", "ROLLBACK", "EXPLAIN", "dbintel"} {
		if strings.Contains(text, s) {
			return true
		}
	}
	return false
}

// eventually polls f until it reports true or 15 s passed.
func eventually(t *testing.T, what string, f func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !f() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
