package scrape

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/goleak"

	"github.com/dbintel/dbintel/pkg/pipeline"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// fakeCollector returns what its fn says and records overlap.
type fakeCollector struct {
	name     string
	interval time.Duration
	baseline bool
	fn       func(n int) error
	calls    atomic.Int32
	inFlight atomic.Int32
	overlap  atomic.Bool
	target   Target
}

func (f *fakeCollector) Name() string            { return f.name }
func (f *fakeCollector) Interval() time.Duration { return f.interval }
func (f *fakeCollector) NeedsBaseline() bool     { return f.baseline }
func (f *fakeCollector) Collect(ctx context.Context, now time.Time) (pipeline.Batch, error) {
	if f.inFlight.Add(1) > 1 {
		f.overlap.Store(true)
	}
	defer f.inFlight.Add(-1)
	n := int(f.calls.Add(1))
	if f.fn != nil {
		if err := f.fn(n); err != nil {
			return pipeline.Batch{}, err
		}
	}
	mb := NewMetricsBuilder(f.target, "test")
	mb.Int(MetricDef{Name: f.name, Kind: Gauge}, time.Time{}, now, int64(n))
	return Batch(mb, nil), nil
}

// sink records the value of every point it receives, per metric name.
type sink struct {
	mu     sync.Mutex
	values map[string][]int64
}

func (s *sink) Consume(_ context.Context, b pipeline.Batch) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.values == nil {
		s.values = map[string][]int64{}
	}
	rms := b.Metrics.ResourceMetrics()
	for i := 0; i < rms.Len(); i++ {
		ms := rms.At(i).ScopeMetrics().At(0).Metrics()
		for j := 0; j < ms.Len(); j++ {
			s.values[ms.At(j).Name()] = append(s.values[ms.At(j).Name()], ms.At(j).Gauge().DataPoints().At(0).IntValue())
		}
	}
	return nil
}

func (s *sink) get(name string) []int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]int64(nil), s.values[name]...)
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func testConfig() Config {
	cfg := DefaultConfig()
	cfg.Breaker = BreakerConfig{Failures: 2, SlowCall: time.Hour, OpenTimeout: 50 * time.Millisecond}
	cfg.RecheckInterval = time.Second
	cfg.OnceWait = 0
	return cfg
}

func TestSchedulerRunsWithoutOverlap(t *testing.T) {
	slow := &fakeCollector{name: "slow", interval: time.Millisecond, fn: func(int) error { time.Sleep(3 * time.Millisecond); return nil }}
	fast := &fakeCollector{name: "fast", interval: time.Millisecond}
	var out sink
	s, err := NewScheduler(testConfig(), NewTarget("postgresql", "db1", 5432, nil), []Collector{slow, fast}, &out, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	eventually(t, "both collectors to deliver 5 batches", func() bool { return len(out.get("slow")) >= 5 && len(out.get("fast")) >= 5 })
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatalf("second shutdown: %v", err)
	}
	if slow.overlap.Load() || fast.overlap.Load() {
		t.Fatal("a collector ran concurrently with itself")
	}
	if err := s.Start(context.Background()); err == nil {
		t.Fatal("restart of a used scheduler accepted")
	}
}

// syncBuffer is a log destination safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) count(substr string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Count(s.b.String(), substr)
}

func TestBreakerOpensSkipsAndRecovers(t *testing.T) {
	var down atomic.Bool
	down.Store(true)
	c := &fakeCollector{name: "pg.metrics", interval: time.Millisecond, fn: func(int) error {
		if down.Load() {
			return errors.New("connection refused")
		}
		return nil
	}}
	var logs syncBuffer
	reg := prometheus.NewPedanticRegistry()
	var out sink
	s, err := NewScheduler(testConfig(), NewTarget("postgresql", "db1", 5432, nil), []Collector{c}, &out,
		slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo})), reg)
	if err != nil {
		t.Fatal(err)
	}
	m := newMetrics(reg)
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer s.Shutdown(context.Background())
	eventually(t, "breaker to open and skip runs", func() bool {
		return testutil.ToFloat64(m.skipped.WithLabelValues("pg.metrics", "breaker_open")) >= 3
	})
	// Open for 50ms between probes: far fewer calls than 1ms ticks.
	if got := testutil.ToFloat64(m.breaker.WithLabelValues("pg.metrics")); got != 2 && got != 1 {
		t.Fatalf("breaker state gauge = %v, want open (2) or half-open (1)", got)
	}
	if n := logs.count("scrape collector failed"); n != 1 {
		t.Fatalf("failure logged %d times, want once per state change", n)
	}
	down.Store(false)
	eventually(t, "recovery", func() bool { return len(out.get("pg.metrics")) > 0 })
	eventually(t, "breaker closed", func() bool { return testutil.ToFloat64(m.breaker.WithLabelValues("pg.metrics")) == 0 })
	if n := logs.count("to=closed"); n != 1 {
		t.Fatalf("close transition logged %d times, want 1:\n%s", n, logs.b.String())
	}
	if testutil.ToFloat64(m.errors.WithLabelValues("pg.metrics")) < 2 {
		t.Fatal("errors not counted")
	}
}

func TestDisabledCollectorLogsOnceAndRechecks(t *testing.T) {
	var missing atomic.Bool
	missing.Store(true)
	c := &fakeCollector{name: "pg.query_stats", interval: 2 * time.Millisecond, fn: func(int) error {
		if missing.Load() {
			return Disabled("pg_stat_statements is not installed", "CREATE EXTENSION pg_stat_statements")
		}
		return nil
	}}
	var logs syncBuffer
	reg := prometheus.NewPedanticRegistry()
	var out sink
	cfg := testConfig()
	s, err := NewScheduler(cfg, NewTarget("postgresql", "db1", 5432, nil), []Collector{c}, &out,
		slog.New(slog.NewTextHandler(&logs, nil)), reg)
	if err != nil {
		t.Fatal(err)
	}
	m := newMetrics(reg)
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer s.Shutdown(context.Background())
	eventually(t, "disabled skips", func() bool {
		return testutil.ToFloat64(m.skipped.WithLabelValues("pg.query_stats", "disabled")) >= 5
	})
	if v := testutil.ToFloat64(m.enabled.WithLabelValues("pg.query_stats")); v != 0 {
		t.Fatalf("enabled = %v, want 0", v)
	}
	if calls := c.calls.Load(); calls != 1 {
		t.Fatalf("collector called %d times before the recheck interval, want 1", calls)
	}
	if testutil.ToFloat64(m.breaker.WithLabelValues("pg.query_stats")) != 0 {
		t.Fatal("a missing extension tripped the breaker")
	}
	missing.Store(false)
	eventually(t, "recheck switches it on", func() bool { return len(out.get("pg.query_stats")) > 0 })
	if v := testutil.ToFloat64(m.enabled.WithLabelValues("pg.query_stats")); v != 1 {
		t.Fatalf("enabled = %v after recheck, want 1", v)
	}
	if n := logs.count("switched off"); n != 1 {
		t.Fatalf("switched off logged %d times, want 1", n)
	}
	if n := logs.count("CREATE EXTENSION pg_stat_statements"); n != 1 {
		t.Fatal("log line does not name the fix")
	}
}

func TestOnceKeepsSecondSampleOfBaseliners(t *testing.T) {
	delta := &fakeCollector{name: "deltas", interval: time.Hour, baseline: true}
	gauge := &fakeCollector{name: "gauges", interval: time.Hour}
	broken := &fakeCollector{name: "broken", interval: time.Hour, fn: func(int) error { return errors.New("boom") }}
	var out sink
	s, err := NewScheduler(testConfig(), NewTarget("postgresql", "db1", 5432, nil), []Collector{delta, gauge, broken}, &out, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = s.Once(context.Background())
	if err == nil || !strings.Contains(err.Error(), "broken") {
		t.Fatalf("Once error = %v, want the broken collector named", err)
	}
	if got := out.get("deltas"); len(got) != 1 || got[0] != 2 {
		t.Fatalf("delta collector values %v, want only the second sample [2]", got)
	}
	if got := out.get("gauges"); len(got) != 1 || got[0] != 1 {
		t.Fatalf("gauge collector values %v, want [1]", got)
	}
}

func TestSlowRunCountsAgainstBreakerButDelivers(t *testing.T) {
	c := &fakeCollector{name: "slowpoke", interval: time.Hour, fn: func(int) error { time.Sleep(20 * time.Millisecond); return nil }}
	cfg := testConfig()
	cfg.Breaker.SlowCall = time.Millisecond
	cfg.Breaker.Failures = 1
	cfg.Breaker.OpenTimeout = time.Hour
	reg := prometheus.NewPedanticRegistry()
	var out sink
	s, err := NewScheduler(cfg, NewTarget("postgresql", "db1", 5432, nil), []Collector{c}, &out, nil, reg)
	if err != nil {
		t.Fatal(err)
	}
	m := newMetrics(reg)
	s.Once(context.Background())
	if len(out.get("slowpoke")) != 1 {
		t.Fatal("slow run's data not delivered")
	}
	if testutil.ToFloat64(m.breaker.WithLabelValues("slowpoke")) != 2 {
		t.Fatal("slow run did not open the breaker")
	}
	s.Once(context.Background())
	if c.calls.Load() != 1 {
		t.Fatal("open breaker did not skip the collector")
	}
}
