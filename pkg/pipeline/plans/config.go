package plans

import "github.com/dbintel/dbintel/internal/config"

// Config is the `plans:` block of the gateway configuration.
type Config struct {
	// Enabled turns the stage on; when off, Process passes batches through.
	Enabled bool `yaml:"enabled"`
	// BodyAttribute names a log attribute holding the plan, for senders that
	// keep the body for something else. Records without that attribute are
	// read from their body as usual. Empty: the body.
	BodyAttribute string `yaml:"body_attribute"`
	// MaxPlanBytes: larger plans are not parsed (db.query.plan.error=too_large).
	MaxPlanBytes int `yaml:"max_plan_bytes"`
	// MaxDepth bounds JSON nesting (each plan level is about three JSON
	// levels); deeper plans get db.query.plan.error=too_large.
	MaxDepth int `yaml:"max_depth"`
	// ChangeCacheSize is how many (database, query id) pairs remember their
	// last plan hash for plan-change detection; the least recently seen pair
	// is forgotten first.
	ChangeCacheSize int `yaml:"change_cache_size"`
}

// DefaultConfig returns the defaults: on, body, 256 KiB, depth 100, 10,000
// queries remembered.
func DefaultConfig() Config {
	return Config{
		Enabled:         true,
		MaxPlanBytes:    256 << 10,
		MaxDepth:        100,
		ChangeCacheSize: 10_000,
	}
}

// Validate reports every problem with its YAML path.
func (c Config) Validate() error {
	var p config.Problems
	if c.MaxPlanBytes < 1 || c.MaxPlanBytes > 64<<20 {
		p.Add("max_plan_bytes", "must be between 1 and %d, got %d", 64<<20, c.MaxPlanBytes)
	}
	// The parser recurses once per level; 10,000 keeps the goroutine stack
	// small whatever the input.
	if c.MaxDepth < 2 || c.MaxDepth > 10_000 {
		p.Add("max_depth", "must be between 2 and 10000, got %d", c.MaxDepth)
	}
	if c.ChangeCacheSize < 1 || c.ChangeCacheSize > 10_000_000 {
		p.Add("change_cache_size", "must be between 1 and 10000000, got %d", c.ChangeCacheSize)
	}
	return p.Err()
}
