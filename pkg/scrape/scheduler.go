package scrape

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/sony/gobreaker/v2"

	"github.com/dbintel/dbintel/pkg/pipeline"
)

// maxJitter caps the random delay before a collector's first run, which
// spreads the queries of collectors (and of scrapers started together).
const maxJitter = 5 * time.Second

// Scheduler runs the collectors of one target, each on its own interval in
// its own goroutine (so a run never overlaps the previous one), each behind
// its own circuit breaker, and hands what they collect to next.
type Scheduler struct {
	cfg    Config
	target Target
	next   pipeline.Consumer
	log    *slog.Logger
	m      *metrics
	runs   []*run

	mu      sync.Mutex
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	started bool
}

// run is the state of one collector; only its own goroutine touches it
// (or Once, which must not run concurrently with Start).
type run struct {
	c              Collector
	cb             *gobreaker.CircuitBreaker[pipeline.Batch]
	disabled       bool
	recheckAt      time.Time
	failing        bool
	lastConsumeLog time.Time
}

// slowError marks a run that succeeded too slowly: it counts against the
// breaker but its data is still delivered.
type slowError struct{ took, limit time.Duration }

func (e *slowError) Error() string { return fmt.Sprintf("slow run: %s > %s", e.took, e.limit) }

// NewScheduler builds a scheduler for target. reg may be nil; several
// schedulers may share one registry.
func NewScheduler(cfg Config, target Target, collectors []Collector, next pipeline.Consumer, logger *slog.Logger, reg prometheus.Registerer) (*Scheduler, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("scrape: %w", err)
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s := &Scheduler{cfg: cfg, target: target, next: next, m: newMetrics(reg),
		log: logger.With("target", target.Name())}
	seen := map[string]bool{}
	for _, c := range collectors {
		if seen[c.Name()] || c.Interval() <= 0 {
			return nil, fmt.Errorf("scrape: collector %q: duplicate name or non-positive interval", c.Name())
		}
		seen[c.Name()] = true
		s.runs = append(s.runs, &run{c: c, cb: s.newBreaker(c.Name())})
		s.m.enabled.WithLabelValues(c.Name()).Set(1)
		s.m.breaker.WithLabelValues(c.Name()).Set(float64(gobreaker.StateClosed))
	}
	return s, nil
}

func (s *Scheduler) newBreaker(name string) *gobreaker.CircuitBreaker[pipeline.Batch] {
	failures := s.cfg.Breaker.Failures
	return gobreaker.NewCircuitBreaker[pipeline.Batch](gobreaker.Settings{
		Name:        name,
		MaxRequests: 1,
		Timeout:     s.cfg.Breaker.OpenTimeout,
		ReadyToTrip: func(c gobreaker.Counts) bool { return c.ConsecutiveFailures >= failures },
		// A missing extension is not an outage, and a shutdown is not a failure.
		IsExcluded: func(err error) bool { return IsDisabled(err) || errors.Is(err, context.Canceled) },
		OnStateChange: func(name string, from, to gobreaker.State) {
			s.m.breaker.WithLabelValues(name).Set(float64(to))
			lvl := slog.LevelWarn
			if to == gobreaker.StateClosed {
				lvl = slog.LevelInfo
			}
			s.log.Log(context.Background(), lvl, "scrape breaker state change", "collector", name, "from", from.String(), "to", to.String())
		},
	})
}

// Start launches one goroutine per collector and returns at once.
func (s *Scheduler) Start(_ context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started {
		return errors.New("scrape: scheduler already started")
	}
	s.started = true
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	for _, r := range s.runs {
		s.wg.Add(1)
		go s.loop(ctx, r)
	}
	return nil
}

// Shutdown stops every collector and waits for in-flight runs (which are
// cancelled) until ctx ends. It is idempotent.
func (s *Scheduler) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	if s.cancel != nil {
		s.cancel()
	}
	s.mu.Unlock()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("scrape: shutdown: %w", ctx.Err())
	}
}

func (s *Scheduler) loop(ctx context.Context, r *run) {
	defer s.wg.Done()
	interval := r.c.Interval()
	timer := time.NewTimer(rand.N(min(interval, maxJitter)) + time.Millisecond)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		start := time.Now()
		if b, ok := s.runOnce(ctx, r, start); ok {
			s.deliver(ctx, r, b)
		}
		// A run longer than the interval skips the missed ticks rather
		// than running back to back.
		elapsed := time.Since(start)
		timer.Reset(interval - elapsed%interval)
	}
}

// runOnce runs the collector through its breaker; ok is false when there is
// nothing to deliver.
func (s *Scheduler) runOnce(ctx context.Context, r *run, now time.Time) (pipeline.Batch, bool) {
	name := r.c.Name()
	if r.disabled && now.Before(r.recheckAt) {
		s.m.skipped.WithLabelValues(name, "disabled").Inc()
		return pipeline.Batch{}, false
	}
	ctx, cancel := context.WithTimeout(ctx, r.c.Interval())
	defer cancel()
	b, err := r.cb.Execute(func() (pipeline.Batch, error) {
		b, err := r.c.Collect(ctx, now)
		if took := time.Since(now); err == nil && took > s.cfg.Breaker.SlowCall {
			return b, &slowError{took: took, limit: s.cfg.Breaker.SlowCall}
		}
		return b, err
	})
	s.m.duration.WithLabelValues(name).Observe(time.Since(now).Seconds())
	var slow *slowError
	switch {
	case errors.Is(err, gobreaker.ErrOpenState), errors.Is(err, gobreaker.ErrTooManyRequests):
		s.m.skipped.WithLabelValues(name, "breaker_open").Inc()
		return pipeline.Batch{}, false
	case IsDisabled(err):
		if !r.disabled {
			s.log.Warn("scrape collector switched off", "collector", name, "reason", err.Error(), "recheck_in", s.cfg.RecheckInterval)
		}
		r.disabled, r.recheckAt = true, now.Add(s.cfg.RecheckInterval)
		s.m.enabled.WithLabelValues(name).Set(0)
		return pipeline.Batch{}, false
	case errors.Is(err, context.Canceled) && ctx.Err() != nil:
		return pipeline.Batch{}, false
	case errors.As(err, &slow):
		s.m.errors.WithLabelValues(name).Inc()
		s.log.Debug("scrape collector slow", "collector", name, "error", err)
	case err != nil:
		s.m.errors.WithLabelValues(name).Inc()
		if !r.failing { // once per healthy→failing change; the breaker logs the rest
			s.log.Warn("scrape collector failed", "collector", name, "error", err)
		}
		r.failing = true
		return pipeline.Batch{}, false
	}
	if r.disabled {
		s.log.Info("scrape collector switched on", "collector", name)
		r.disabled = false
	}
	r.failing = false
	s.m.enabled.WithLabelValues(name).Set(1)
	return b, !b.Empty()
}

func (s *Scheduler) deliver(ctx context.Context, r *run, b pipeline.Batch) {
	if err := s.next.Consume(ctx, b); err != nil {
		s.m.consume.WithLabelValues(r.c.Name()).Inc()
		if time.Since(r.lastConsumeLog) > time.Minute {
			r.lastConsumeLog = time.Now()
			s.log.Warn("scrape batch refused downstream", "collector", r.c.Name(), "error", err)
		}
	}
}

// Once runs every collector once and hands one merged batch to next: the
// `scraper --once` path. Collectors that need a baseline (Baseliner) run a
// second time Config.OnceWait later and only that sample is kept, so delta
// sums show the activity of those seconds rather than nothing. Errors of
// individual collectors are joined; what succeeded is still delivered.
// Once must not be called while the scheduler is started.
func (s *Scheduler) Once(ctx context.Context) error {
	out := pipeline.NewBatch()
	var errs []error
	var again []*run
	collect := func(r *run) bool {
		b, ok := s.runOnce(ctx, r, time.Now())
		if r.failing {
			errs = append(errs, fmt.Errorf("scrape %s: collector %s failed (see log)", s.target.Name(), r.c.Name()))
		}
		if ok {
			b.MoveTo(out)
		}
		return ok
	}
	for _, r := range s.runs {
		if bl, ok := r.c.(Baseliner); ok && bl.NeedsBaseline() {
			s.runOnce(ctx, r, time.Now())
			again = append(again, r)
			continue
		}
		collect(r)
	}
	if len(again) > 0 {
		select {
		case <-time.After(s.cfg.OnceWait):
		case <-ctx.Done():
			return ctx.Err()
		}
		for _, r := range again {
			collect(r)
		}
	}
	if !out.Empty() {
		if err := s.next.Consume(ctx, out); err != nil {
			errs = append(errs, fmt.Errorf("scrape %s: %w", s.target.Name(), err))
		}
	}
	return errors.Join(errs...)
}
