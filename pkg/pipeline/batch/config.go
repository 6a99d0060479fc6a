package batch

import (
	"time"

	"github.com/dbintel/dbintel/internal/config"
)

// Config bounds a merged batch by items, encoded bytes and waiting time.
type Config struct {
	// SendBatchSize flushes once this many items (points, records, spans) wait.
	SendBatchSize int `yaml:"send_batch_size"`
	// MaxBatchBytes flushes before a batch's uncompressed protobuf size would
	// pass it; a single larger input goes alone (the forwarder splits it).
	MaxBatchBytes int `yaml:"max_batch_bytes"`
	// Timeout flushes a batch that has waited this long.
	Timeout time.Duration `yaml:"timeout"`
}

// DefaultConfig keeps requests well under New Relic's 1 MB compressed limit:
// 4 MiB of protobuf compresses to far less than that for telemetry.
func DefaultConfig() Config {
	return Config{SendBatchSize: 8192, MaxBatchBytes: 4 << 20, Timeout: 200 * time.Millisecond}
}

// Validate reports every problem with its YAML key.
func (c Config) Validate() error {
	var p config.Problems
	if c.SendBatchSize <= 0 {
		p.Add("send_batch_size", "must be positive, got %d", c.SendBatchSize)
	}
	if c.MaxBatchBytes <= 0 {
		p.Add("max_batch_bytes", "must be positive, got %d", c.MaxBatchBytes)
	}
	if c.Timeout <= 0 {
		p.Add("timeout", "must be positive, got %s", c.Timeout)
	}
	return p.Err()
}
