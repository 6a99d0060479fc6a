package memlimit

import (
	"time"

	"github.com/dbintel/dbintel/internal/config"
)

// Config sets the heap limits. Above the soft limit new data is refused with
// a retryable error so senders back off and keep their data; above the hard
// limit a GC is forced as well.
type Config struct {
	SoftLimitMiB  int           `yaml:"soft_limit_mib"`
	HardLimitMiB  int           `yaml:"hard_limit_mib"`
	CheckInterval time.Duration `yaml:"check_interval"`
	RetryAfter    time.Duration `yaml:"retry_after"`
}

// DefaultConfig suits a gateway given 1 GiB: refuse at 640 MiB of live heap,
// force collection at 800 MiB.
func DefaultConfig() Config {
	return Config{SoftLimitMiB: 640, HardLimitMiB: 800, CheckInterval: 100 * time.Millisecond, RetryAfter: 5 * time.Second}
}

// Validate reports every problem with its YAML key.
func (c Config) Validate() error {
	var p config.Problems
	if c.SoftLimitMiB <= 0 {
		p.Add("soft_limit_mib", "must be positive, got %d", c.SoftLimitMiB)
	}
	if c.HardLimitMiB < c.SoftLimitMiB {
		p.Add("hard_limit_mib", "must be at least soft_limit_mib (%d), got %d", c.SoftLimitMiB, c.HardLimitMiB)
	}
	if c.CheckInterval <= 0 {
		p.Add("check_interval", "must be positive, got %s", c.CheckInterval)
	}
	if c.RetryAfter < time.Second {
		p.Add("retry_after", "must be at least 1s, got %s", c.RetryAfter)
	}
	return p.Err()
}
