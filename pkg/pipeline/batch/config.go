package batch

import (
	"github.com/dbintel/dbintel/internal/config"
)

// Config bounds a merged batch by items and encoded bytes.
//
// There is no timeout: batches form by group commit. While one merged batch
// is being handed to the next consumer, new data collects into the next one,
// so an idle gateway adds no latency and a busy one sends large batches.
type Config struct {
	// SendBatchSize closes a merged batch once it holds this many items
	// (points, records, spans).
	SendBatchSize int `yaml:"send_batch_size"`
	// MaxBatchBytes closes a merged batch before its uncompressed protobuf
	// size would pass it; a single larger input goes alone (the forwarder
	// splits requests to the backend's limit).
	MaxBatchBytes int `yaml:"max_batch_bytes"`
}

// DefaultConfig keeps requests well under New Relic's 1 MB compressed limit
// for typical telemetry, which compresses about 5 to 10 times.
func DefaultConfig() Config {
	return Config{SendBatchSize: 8192, MaxBatchBytes: 4 << 20}
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
	return p.Err()
}
