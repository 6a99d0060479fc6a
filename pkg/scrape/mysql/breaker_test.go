package mysql

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/dbintel/dbintel/pkg/pipeline"
	"github.com/dbintel/dbintel/pkg/scrape"
	"github.com/dbintel/dbintel/test/mariadbtest"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// engineGauge returns the engine's per-collector gauge name{collector}.
func engineGauge(reg *prometheus.Registry, name, help, collector string) prometheus.Collector {
	g := prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: "dbintel", Subsystem: "scrape", Name: name, Help: help}, []string{"collector"})
	return scrape.RegisterOrGet(reg, g).WithLabelValues(collector)
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); !cond(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// TestBreakerStopStartMariaDB stops the server under a running scheduler:
// the breaker opens, the scheduler keeps going, and data flows again once
// the server is back (the one connection is re-established).
func TestBreakerStopStartMariaDB(t *testing.T) {
	srv, cfg := startServer(t)
	cfg.CollectionInterval = time.Second
	cfg.QueryTimeout = 500 * time.Millisecond
	cfg.QueryStats.Enabled, cfg.Samples.Enabled = false, false
	target, _ := NewTarget(cfg, nil)
	var logs lockedBuffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	reg := prometheus.NewPedanticRegistry()
	cols, closeFn, err := NewCollectors(cfg, target, logger, reg)
	if err != nil {
		t.Fatal(err)
	}
	defer closeFn()
	var delivered atomic.Int64
	sink := pipeline.ConsumerFunc(func(context.Context, pipeline.Batch) error { delivered.Add(1); return nil })
	scfg := scrape.DefaultConfig()
	scfg.Breaker = scrape.BreakerConfig{Failures: 2, SlowCall: 5 * time.Second, OpenTimeout: 1500 * time.Millisecond}
	s, err := scrape.NewScheduler(scfg, target, cols, sink, logger, reg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer s.Shutdown(context.Background())
	state := func() float64 {
		return testutil.ToFloat64(engineGauge(reg, "breaker_state", "Circuit breaker state per collector: 0 closed, 1 half-open, 2 open.", "mysql.metrics"))
	}
	// The first run is a baseline of gauges and counters; the second has deltas.
	waitFor(t, "first delivery", func() bool { return delivered.Load() > 1 })

	srv.Stop()
	waitFor(t, "breaker open", func() bool { return state() == 2 })
	waitFor(t, "half-open probe", func() bool { return strings.Contains(logs.String(), "to=half-open") })
	before := delivered.Load()
	srv.Restart()
	waitFor(t, "breaker closed", func() bool { return state() == 0 })
	waitFor(t, "delivery after restart", func() bool { return delivered.Load() > before })

	out := logs.String()
	if n := strings.Count(out, "scrape collector failed"); n != 1 {
		t.Errorf("failure logged %d times, want once:\n%s", n, out)
	}
	if n := strings.Count(out, "from=closed to=open"); n != 1 {
		t.Errorf("closed->open logged %d times, want 1:\n%s", n, out)
	}
}

// TestSetupHelpSwitchesCollectorOff: with the digest consumer off, the
// scheduler switches query stats off with one log line carrying the exact
// UPDATE, and dbintel_scrape_collector_enabled{collector} = 0; the
// infrastructure metrics keep running.
func TestSetupHelpSwitchesCollectorOff(t *testing.T) {
	_, cfg := startServer(t, mariadbtest.WithArgs("--performance-schema=ON", "--performance-schema-consumer-statements-digest=OFF"))
	cfg.Samples.Enabled = false
	target, _ := NewTarget(cfg, nil)
	var logs lockedBuffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	reg := prometheus.NewPedanticRegistry()
	cols, closeFn, err := NewCollectors(cfg, target, logger, reg)
	if err != nil {
		t.Fatal(err)
	}
	defer closeFn()
	var got pipeline.Batch
	sink := pipeline.ConsumerFunc(func(_ context.Context, b pipeline.Batch) error { got = b; return nil })
	scfg := scrape.DefaultConfig()
	scfg.OnceWait = 100 * time.Millisecond
	s, err := scrape.NewScheduler(scfg, target, cols, sink, logger, reg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Once(context.Background()); err != nil {
		t.Fatal(err)
	}
	enabled := func(c string) float64 {
		return testutil.ToFloat64(engineGauge(reg, "collector_enabled",
			"1 if the collector runs, 0 if it is switched off for a missing extension or privilege.", c))
	}
	if enabled("mysql.query_stats") != 0 || enabled("mysql.metrics") != 1 {
		t.Errorf("enabled: query_stats=%v metrics=%v", enabled("mysql.query_stats"), enabled("mysql.metrics"))
	}
	out := logs.String()
	if n := strings.Count(out, "scrape collector switched off"); n != 1 ||
		!strings.Contains(out, "UPDATE performance_schema.setup_consumers SET ENABLED = 'YES' WHERE NAME IN ('statements_digest')") {
		t.Errorf("want one switch-off line with the UPDATE:\n%s", out)
	}
	if got.Metrics.DataPointCount() == 0 {
		t.Error("infrastructure metrics must still flow")
	}
}
