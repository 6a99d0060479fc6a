package dbbreaker

import (
	"time"

	"github.com/dbintel/dbintel/internal/config"
)

// Config is the per-database breaker's configuration. Budgets are per
// source key (see contract.SourceKey) and judged per Interval; 0 turns a trip
// condition off.
type Config struct {
	// Interval is the evaluation window: a key is healthy for an interval
	// when it stayed within every budget.
	Interval time.Duration `yaml:"interval"`
	// VolumePerMinute is the key's query-level items (events and per-query
	// metric points) per minute.
	VolumePerMinute int `yaml:"volume_per_minute"`
	// NewSeriesPerMinute is the key's new per-query metric series per
	// minute (series not among the last series_memory seen).
	NewSeriesPerMinute int `yaml:"new_series_per_minute"`
	// ExportFailuresPerInterval is the key's items the backend rejected
	// permanently, per interval, that trips the breaker.
	ExportFailuresPerInterval int `yaml:"export_failures_per_interval"`
	// OpenTimeout is how long the first trip stays open; each consecutive
	// trip doubles it, up to MaxOpenTimeout. The doubling resets once the
	// key has stayed closed for ResetAfter.
	OpenTimeout    time.Duration `yaml:"open_timeout"`
	MaxOpenTimeout time.Duration `yaml:"max_open_timeout"`
	ResetAfter     time.Duration `yaml:"reset_after"`
	// HealthyIntervals is how many healthy intervals in a row close a
	// half-open breaker.
	HealthyIntervals int `yaml:"healthy_intervals"`
	// MaxKeys bounds the keys with a breaker; the least recently seen is
	// evicted (an evicted open breaker stops shedding).
	MaxKeys int `yaml:"max_keys"`
	// SeriesMemory bounds the per-query series remembered, over all keys,
	// to tell new series from known ones (the least recently seen of a
	// small group of entries makes room).
	SeriesMemory int `yaml:"series_memory"`
	// MaxPendingEvents bounds the dbintel.breaker records waiting for a
	// batch to ride on; beyond it they are counted and dropped.
	MaxPendingEvents int `yaml:"max_pending_events"`
}

// DefaultConfig trips only on floods: the sampler's budget (10,000
// query-level items a minute) handles ordinary overload before the breaker
// sees the data, so the breaker's volume budget is three times that.
func DefaultConfig() Config {
	return Config{
		Interval:                  10 * time.Second,
		VolumePerMinute:           30_000,
		NewSeriesPerMinute:        5_000,
		ExportFailuresPerInterval: 100,
		OpenTimeout:               30 * time.Second,
		MaxOpenTimeout:            10 * time.Minute,
		ResetAfter:                10 * time.Minute,
		HealthyIntervals:          3,
		MaxKeys:                   1000,
		SeriesMemory:              200_000,
		MaxPendingEvents:          1000,
	}
}

// Validate reports every problem with its YAML key.
func (c Config) Validate() error {
	var p config.Problems
	if c.Interval < time.Second {
		p.Add("interval", "must be at least 1s, got %s", c.Interval)
	}
	for _, f := range []field{{"volume_per_minute", c.VolumePerMinute}, {"new_series_per_minute", c.NewSeriesPerMinute},
		{"export_failures_per_interval", c.ExportFailuresPerInterval}} {
		if f.v < 0 {
			p.Add(f.path, "must not be negative (0 = off), got %d", f.v)
		}
	}
	if c.OpenTimeout <= 0 {
		p.Add("open_timeout", "must be positive, got %s", c.OpenTimeout)
	}
	if c.MaxOpenTimeout < c.OpenTimeout {
		p.Add("max_open_timeout", "must be at least open_timeout (%s), got %s", c.OpenTimeout, c.MaxOpenTimeout)
	}
	if c.ResetAfter <= 0 {
		p.Add("reset_after", "must be positive, got %s", c.ResetAfter)
	}
	if c.HealthyIntervals < 1 {
		p.Add("healthy_intervals", "must be at least 1, got %d", c.HealthyIntervals)
	}
	for _, f := range []field{{"max_keys", c.MaxKeys}, {"series_memory", c.SeriesMemory}, {"max_pending_events", c.MaxPendingEvents}} {
		if f.v <= 0 {
			p.Add(f.path, "must be positive, got %d", f.v)
		}
	}
	return p.Err()
}

type field struct {
	path string
	v    int
}
