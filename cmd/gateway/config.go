package main

import (
	"github.com/dbintel/dbintel/internal/config"
	"github.com/dbintel/dbintel/internal/telemetry"
	"github.com/dbintel/dbintel/pkg/forward"
	"github.com/dbintel/dbintel/pkg/otlpserver"
	"github.com/dbintel/dbintel/pkg/pipeline/batch"
	"github.com/dbintel/dbintel/pkg/pipeline/cardinality"
	"github.com/dbintel/dbintel/pkg/pipeline/dbbreaker"
	"github.com/dbintel/dbintel/pkg/pipeline/enrich"
	"github.com/dbintel/dbintel/pkg/pipeline/memlimit"
	"github.com/dbintel/dbintel/pkg/pipeline/plans"
	"github.com/dbintel/dbintel/pkg/pipeline/sample"
	"github.com/dbintel/dbintel/pkg/pipeline/verify"
)

// Config is the gateway's YAML file. Every section has defaults; an empty
// file runs a gateway on the standard ports that forwards to New Relic.
type Config struct {
	Receiver otlpserver.Config `yaml:"receiver"`
	Pipeline PipelineConfig    `yaml:"pipeline"`
	Forward  forward.Config    `yaml:"forward"`
	// AlsoForward lists further backends, each with its own queue and
	// retries, so a slow or failing one does not hold the others back.
	AlsoForward []forward.Target `yaml:"also_forward"`
	// NoKeySinkFile, when set and forward.headers.api-key is empty, replaces
	// the backend with a local OTLP JSON lines file: a gateway without a New
	// Relic license key still shows what it would send.
	NoKeySinkFile string           `yaml:"no_key_sink_file"`
	Telemetry     telemetry.Config `yaml:"telemetry"`
}

// PipelineConfig holds the stages in the order they run.
type PipelineConfig struct {
	MemoryLimiter memlimit.Config    `yaml:"memory_limiter"`
	Enrich        enrich.Config      `yaml:"enrich"`
	Plans         plans.Config       `yaml:"plans"`
	Sample        sample.Config      `yaml:"sample"`
	Breaker       dbbreaker.Config   `yaml:"breaker"`
	Verify        verify.Config      `yaml:"verify"`
	Cardinality   cardinality.Config `yaml:"cardinality"`
	Batch         batch.Config       `yaml:"batch"`
}

func defaultConfig() Config {
	return Config{
		Receiver: otlpserver.DefaultConfig(),
		Pipeline: PipelineConfig{
			MemoryLimiter: memlimit.DefaultConfig(),
			Enrich:        enrich.DefaultConfig(),
			Plans:         plans.DefaultConfig(),
			Sample:        sample.DefaultConfig(),
			Breaker:       dbbreaker.DefaultConfig(),
			Verify:        verify.DefaultConfig(),
			Cardinality:   cardinality.DefaultConfig(),
			Batch:         batch.DefaultConfig(),
		},
		Forward:   forward.DefaultConfig(),
		Telemetry: telemetry.DefaultConfig(),
	}
}

// apiKeyHeader is New Relic's license key header.
const apiKeyHeader = "api-key"

// resolveSink applies no_key_sink_file and removes empty headers, so an
// unset optional key is not sent as an empty value.
func (c *Config) resolveSink() (usingSink bool) {
	for k, v := range c.Forward.Headers {
		if v == "" {
			delete(c.Forward.Headers, k)
		}
	}
	if _, hasKey := c.Forward.Headers[apiKeyHeader]; !hasKey && c.NoKeySinkFile != "" && c.Forward.Sink.File == "" {
		c.Forward.Sink.File = c.NoKeySinkFile
	}
	return c.Forward.Sink.File != ""
}

// Validate reports every problem with its YAML path.
func (c Config) Validate() error {
	var p config.Problems
	p.Merge("receiver", c.Receiver.Validate())
	p.Merge("pipeline.memory_limiter", c.Pipeline.MemoryLimiter.Validate())
	p.Merge("pipeline.enrich", c.Pipeline.Enrich.Validate())
	p.Merge("pipeline.plans", c.Pipeline.Plans.Validate())
	p.Merge("pipeline.sample", c.Pipeline.Sample.Validate())
	p.Merge("pipeline.breaker", c.Pipeline.Breaker.Validate())
	p.Merge("pipeline.verify", c.Pipeline.Verify.Validate())
	p.Merge("pipeline.cardinality", c.Pipeline.Cardinality.Validate())
	p.Merge("pipeline.batch", c.Pipeline.Batch.Validate())
	resolved := c
	resolved.Forward.Headers = make(map[string]config.Secret, len(c.Forward.Headers))
	for k, v := range c.Forward.Headers {
		resolved.Forward.Headers[k] = v
	}
	resolved.resolveSink()
	fromNoKey := c.Forward.Sink.File == "" && resolved.Forward.Sink.File != ""
	var fp config.Problems
	fp.Merge("forward", resolved.Forward.Validate())
	for _, q := range fp {
		if fromNoKey && q.Path == "forward.sink.file" {
			// The user wrote no_key_sink_file, not forward.sink.file.
			q.Path = "no_key_sink_file"
			q.Msg += "; without a license key (forward.headers.api-key) the gateway writes here what it would send: " +
				"set a writable path (DBINTEL_SINK_FILE in deploy/gateway.yaml) or the key"
		}
		p = append(p, q)
	}
	if len(c.AlsoForward) > 0 {
		p.Merge("also_forward", forward.ValidateTargets(c.AlsoForward))
	}
	p.Merge("telemetry", c.Telemetry.Validate())
	return p.Err()
}
