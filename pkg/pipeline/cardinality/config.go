package cardinality

import (
	"time"

	"github.com/dbintel/dbintel/internal/config"
)

// Config bounds the distinct series per metric name.
type Config struct {
	// MaxSeriesPerMetric is how many distinct attribute sets (resource and
	// point attributes together) one metric name may have per window;
	// points of further sets fold into the overflow series.
	MaxSeriesPerMetric int `yaml:"max_series_per_metric"`
	// Window is how long admitted series are remembered. Windows are aligned
	// to the Unix epoch, so 24h resets at UTC midnight, as New Relic's
	// per-metric daily count does.
	Window time.Duration `yaml:"window"`
	// MaxMetrics bounds the metric names tracked; the least recently seen
	// is evicted (its series start afresh).
	MaxMetrics int `yaml:"max_metrics"`
	// MaxTrackedSeries bounds the series remembered over all metric names;
	// beyond it the least recently seen metric names are evicted.
	MaxTrackedSeries int `yaml:"max_tracked_series"`
}

// DefaultConfig stays well under New Relic's default of 100,000 series per
// metric name per day: 20,000 per gateway replica per UTC day, so a few
// replicas together also stay under it. Memory is bounded by
// max_tracked_series (about 40 bytes each).
func DefaultConfig() Config {
	return Config{MaxSeriesPerMetric: 20_000, Window: 24 * time.Hour, MaxMetrics: 5_000, MaxTrackedSeries: 1_000_000}
}

// Validate reports every problem with its YAML key.
func (c Config) Validate() error {
	var p config.Problems
	if c.MaxSeriesPerMetric < 1 {
		p.Add("max_series_per_metric", "must be at least 1, got %d", c.MaxSeriesPerMetric)
	}
	if c.Window < time.Minute {
		p.Add("window", "must be at least 1m, got %s", c.Window)
	}
	if c.MaxMetrics < 1 {
		p.Add("max_metrics", "must be at least 1, got %d", c.MaxMetrics)
	}
	if c.MaxTrackedSeries < c.MaxSeriesPerMetric {
		p.Add("max_tracked_series", "must be at least max_series_per_metric (%d), got %d", c.MaxSeriesPerMetric, c.MaxTrackedSeries)
	}
	return p.Err()
}
