package scrape

import (
	"time"

	"github.com/dbintel/dbintel/internal/config"
)

// Config is the engine part of the scraper configuration, shared by every
// database target.
type Config struct {
	// Labels are extra resource attributes on everything sent
	// (deployment.environment.name, ...).
	Labels  map[string]string `yaml:"labels"`
	Breaker BreakerConfig     `yaml:"breaker"`
	// RecheckInterval is how often a collector switched off for a missing
	// extension or privilege is tried again.
	RecheckInterval time.Duration `yaml:"recheck_interval"`
	// OnceWait is how long Once waits between the baseline and the second
	// sample of delta collectors (scraper --once).
	OnceWait time.Duration `yaml:"once_wait"`
	// Temporality of the counters (monotonic sums) of infrastructure
	// metrics.
	Temporality Temporality `yaml:"temporality"`
}

// Temporality is how counters are sent.
type Temporality string

// Temporalities. Cumulative is the default: New Relic's views read the
// Collector receivers' counters, which are cumulative, with latest() and
// rate(sum()); New Relic turns cumulative sums into deltas on ingest.
// Delta suits backends that want deltas from the sender.
const (
	Cumulative         Temporality = "cumulative"
	Delta              Temporality = "delta"
	DefaultTemporality             = Cumulative
)

func (t Temporality) valid() bool { return t == Cumulative || t == Delta }

// BreakerConfig tunes the per-collector circuit breaker of each server.
type BreakerConfig struct {
	// Failures is the number of consecutive failed (or slow) runs that open
	// the breaker.
	Failures uint32 `yaml:"failures"`
	// SlowCall: a run that takes longer counts as a failure even if it
	// succeeded (its data is still sent), so a struggling server gets rest.
	SlowCall time.Duration `yaml:"slow_call"`
	// OpenTimeout is how long an open breaker skips the collector before a
	// half-open probe run.
	OpenTimeout time.Duration `yaml:"open_timeout"`
}

// DefaultConfig returns the defaults.
func DefaultConfig() Config {
	return Config{
		Labels:          map[string]string{},
		Breaker:         BreakerConfig{Failures: 3, SlowCall: 5 * time.Second, OpenTimeout: 30 * time.Second},
		RecheckInterval: 5 * time.Minute,
		OnceWait:        2 * time.Second,
		Temporality:     DefaultTemporality,
	}
}

// Validate reports every problem with its YAML path.
func (c Config) Validate() error {
	var p config.Problems
	ValidateLabels(&p, "labels", c.Labels)
	if c.Breaker.Failures == 0 {
		p.Add("breaker.failures", "must be at least 1")
	}
	if c.Breaker.SlowCall <= 0 {
		p.Add("breaker.slow_call", "must be positive")
	}
	if c.Breaker.OpenTimeout <= 0 {
		p.Add("breaker.open_timeout", "must be positive")
	}
	if c.RecheckInterval < time.Second {
		p.Add("recheck_interval", "must be at least 1s")
	}
	if c.OnceWait < 0 || c.OnceWait > time.Minute {
		p.Add("once_wait", "must be between 0s and 1m")
	}
	if !c.Temporality.valid() {
		p.Add("temporality", "must be cumulative or delta, not %q", c.Temporality)
	}
	return p.Err()
}

// ValidateTiming checks a server's collection_interval and query_timeout,
// the same for every database kind: a query may never outlast its interval.
func ValidateTiming(p *config.Problems, interval, timeout time.Duration) {
	if interval < time.Second {
		p.Add("collection_interval", "must be at least 1s")
	}
	if timeout < 10*time.Millisecond {
		p.Add("query_timeout", "must be at least 10ms")
	}
	if timeout > interval {
		p.Add("query_timeout", "must not exceed collection_interval (%s)", interval)
	}
}
