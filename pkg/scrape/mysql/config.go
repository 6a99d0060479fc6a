package mysql

import (
	"time"

	"github.com/dbintel/dbintel/internal/config"
	"github.com/dbintel/dbintel/pkg/scrape"
)

// Config is the `mysql:` section of the scraper configuration.
type Config struct {
	// DSN is a go-sql-driver/mysql DSN (user:pass@tcp(host:3306)/); empty
	// switches MySQL/MariaDB scraping off. Take it from
	// ${env:DBINTEL_MYSQL_DSN:-}.
	DSN config.Secret `yaml:"dsn"`
	// CollectionInterval is how often infrastructure metrics are read.
	CollectionInterval time.Duration `yaml:"collection_interval"`
	// QueryTimeout is the server-side statement time limit
	// (max_statement_time on MariaDB, max_execution_time on MySQL) and the
	// connect/read timeout of every query the scraper sends.
	QueryTimeout time.Duration    `yaml:"query_timeout"`
	QueryStats   QueryStatsConfig `yaml:"query_stats"`
	Samples      SamplesConfig    `yaml:"samples"`
	Explain      ExplainConfig    `yaml:"explain"`
	// TLS verifies the server against a CA file and presents a client
	// certificate (managed databases); the DSN's tls= cannot name files.
	TLS scrape.TLSFiles `yaml:"tls"`
}

// QueryStatsConfig is `mysql.query_stats`: events_statements_summary_by_digest.
type QueryStatsConfig struct {
	Enabled            bool          `yaml:"enabled"`
	CollectionInterval time.Duration `yaml:"collection_interval"`
	// TopN digests by total time per interval become top_query events.
	TopN int `yaml:"top_n"`
	// MaxStatements bounds the digests whose counters are remembered.
	MaxStatements int `yaml:"max_statements"`
	// TextCacheSize bounds the obfuscated digest texts kept in memory.
	TextCacheSize int `yaml:"text_cache_size"`
}

// SamplesConfig is `mysql.samples`: active sessions and lock waits.
type SamplesConfig struct {
	Enabled bool `yaml:"enabled"`
	// SampleInterval is how often sessions are sampled.
	SampleInterval time.Duration `yaml:"sample_interval"`
	// EmitInterval is how often the samples of the window are sent.
	EmitInterval time.Duration `yaml:"emit_interval"`
	// MaxSamples bounds the query_sample events of one emission (the
	// longest-running statements are kept).
	MaxSamples int `yaml:"max_samples"`
}

// ExplainConfig is `mysql.explain`: opt-in EXPLAIN FORMAT=JSON of sampled
// SELECT statements (never executed, never a write).
type ExplainConfig struct {
	Enabled bool `yaml:"enabled"`
	// Timeout is the server-side time limit of one EXPLAIN.
	Timeout time.Duration `yaml:"timeout"`
	// MaxPerQueryPerHour bounds the EXPLAINs of one digest.
	MaxPerQueryPerHour int `yaml:"max_per_query_per_hour"`
	// MaxPerEmission bounds the EXPLAINs of one samples emission.
	MaxPerEmission int `yaml:"max_per_emission"`
	// CacheSize bounds the digests whose budget, last plan and last error
	// are remembered.
	CacheSize int `yaml:"cache_size"`
}

// DefaultConfig returns the defaults (scraping off until a DSN is set).
func DefaultConfig() Config {
	return Config{
		CollectionInterval: 10 * time.Second,
		QueryTimeout:       5 * time.Second,
		QueryStats: QueryStatsConfig{Enabled: true, CollectionInterval: 60 * time.Second, TopN: 200,
			MaxStatements: 20000, TextCacheSize: 5000},
		Samples: SamplesConfig{Enabled: true, SampleInterval: time.Second, EmitInterval: 10 * time.Second, MaxSamples: 200},
		Explain: ExplainConfig{Enabled: false, Timeout: time.Second, MaxPerQueryPerHour: 1, MaxPerEmission: 5, CacheSize: 2000},
	}
}

// Enabled reports whether a DSN is configured.
func (c Config) Enabled() bool { return c.DSN.Value() != "" }

// Validate reports every problem with its YAML path.
func (c Config) Validate() error {
	var p config.Problems
	if c.DSN.Value() != "" {
		if mc, err := parseDSN(c.DSN.Value(), time.Second); err != nil {
			p.Add("dsn", "%v", err)
		} else if c.TLS.Enabled() && mc.TLSConfig != "" {
			p.Add("tls", "the dsn sets tls= too: use one of them")
		}
	}
	p.Merge("tls", c.TLS.Validate())
	scrape.ValidateTiming(&p, c.CollectionInterval, c.QueryTimeout)
	if qs := c.QueryStats; qs.Enabled {
		if qs.CollectionInterval < time.Second {
			p.Add("query_stats.collection_interval", "must be at least 1s")
		}
		if qs.TopN < 1 {
			p.Add("query_stats.top_n", "must be at least 1")
		}
		if qs.MaxStatements < 100 {
			p.Add("query_stats.max_statements", "must be at least 100")
		}
		if qs.TextCacheSize < qs.TopN {
			p.Add("query_stats.text_cache_size", "must be at least top_n (%d)", qs.TopN)
		}
	}
	if s := c.Samples; s.Enabled {
		if s.SampleInterval < 100*time.Millisecond {
			p.Add("samples.sample_interval", "must be at least 100ms")
		}
		if s.EmitInterval < s.SampleInterval {
			p.Add("samples.emit_interval", "must be at least sample_interval (%s)", s.SampleInterval)
		}
		if s.MaxSamples < 1 {
			p.Add("samples.max_samples", "must be at least 1")
		}
	}
	if e := c.Explain; e.Enabled {
		if !c.Samples.Enabled {
			p.Add("explain.enabled", "needs samples.enabled: the statements explained are the sampled ones")
		}
		if e.Timeout < 10*time.Millisecond || e.Timeout > c.QueryTimeout {
			p.Add("explain.timeout", "must be between 10ms and query_timeout (%s)", c.QueryTimeout)
		}
		if e.MaxPerQueryPerHour < 1 {
			p.Add("explain.max_per_query_per_hour", "must be at least 1")
		}
		if e.MaxPerEmission < 1 {
			p.Add("explain.max_per_emission", "must be at least 1")
		}
		if e.CacheSize < 10 {
			p.Add("explain.cache_size", "must be at least 10")
		}
	}
	return p.Err()
}
