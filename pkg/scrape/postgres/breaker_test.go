package postgres

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

// TestBreakerStopStartPostgres stops the server under a running scheduler:
// the breaker opens, the scheduler keeps going, every state change is
// logged once, and data flows again after the server comes back.
func TestBreakerStopStartPostgres(t *testing.T) {
	srv, cfg := startServer(t)
	cfg.CollectionInterval = time.Second
	cfg.QueryTimeout = 500 * time.Millisecond
	cfg.QueryStats.Enabled, cfg.Sessions.Enabled = false, false
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
		return testutil.ToFloat64(gaugeVec(t, reg, "dbintel_scrape_breaker_state", "postgresql.metrics"))
	}
	waitFor(t, "first delivery", func() bool { return delivered.Load() > 0 })

	srv.Stop()
	waitFor(t, "breaker open", func() bool { return state() == 2 })
	waitFor(t, "a skipped run", func() bool {
		return strings.Contains(logs.String(), "to=half-open") // the open breaker let a probe through
	})
	before := delivered.Load()
	srv.Start()
	waitFor(t, "breaker closed", func() bool { return state() == 0 })
	waitFor(t, "delivery after restart", func() bool { return delivered.Load() > before })

	// Each collector has its own breaker; look at the metrics collector's.
	var mine []string
	for _, l := range strings.Split(logs.String(), "\n") {
		if strings.Contains(l, "collector=postgresql.metrics ") {
			mine = append(mine, l)
		}
	}
	out := strings.Join(mine, "\n")
	if n := strings.Count(out, "scrape collector failed"); n != 1 {
		t.Errorf("failure logged %d times, want once:\n%s", n, out)
	}
	if n := strings.Count(out, "from=closed to=open"); n != 1 {
		t.Errorf("closed->open logged %d times, want 1", n)
	}
	if n := strings.Count(out, "to=closed"); n != 1 {
		t.Errorf("->closed logged %d times, want 1", n)
	}
	// Once per state change: no transition line repeats the previous one.
	var prev string
	for _, l := range mine {
		if i := strings.Index(l, "from="); i >= 0 && strings.Contains(l, "breaker state change") {
			if l[i:] == prev {
				t.Errorf("transition logged twice in a row: %s", l[i:])
			}
			prev = l[i:]
		}
	}
}

func gaugeVec(t *testing.T, reg *prometheus.Registry, name, collector string) prometheus.Collector {
	t.Helper()
	g := prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: "dbintel", Subsystem: "scrape", Name: strings.TrimPrefix(name, "dbintel_scrape_"),
		Help: "Circuit breaker state per collector: 0 closed, 1 half-open, 2 open."}, []string{"collector"})
	return scrape.RegisterOrGet(reg, g).WithLabelValues(collector)
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
