package postgres

import (
	"fmt"
	"regexp"
	"time"

	"github.com/dbintel/dbintel/internal/config"
	"github.com/dbintel/dbintel/pkg/scrape"
)

// Config is the `postgres:` section of the scraper configuration.
type Config struct {
	// DSN is a libpq URL or key=value string; empty switches PostgreSQL
	// scraping off. Take it from ${env:DBINTEL_POSTGRES_DSN:-}.
	DSN config.Secret `yaml:"dsn"`
	// CollectionInterval is how often infrastructure metrics are read.
	CollectionInterval time.Duration `yaml:"collection_interval"`
	// QueryTimeout is the server-side statement_timeout (and lock_timeout)
	// of every query the scraper sends.
	QueryTimeout time.Duration `yaml:"query_timeout"`
	// Metrics overrides the default set, e.g. {postgresql.blks_hit:
	// {enabled: true}}; see docs/postgres-metrics.md.
	Metrics    map[string]MetricToggle `yaml:"metrics"`
	Databases  DatabasesConfig         `yaml:"databases"`
	QueryStats QueryStatsConfig        `yaml:"query_stats"`
	Sessions   SessionsConfig          `yaml:"sessions"`
	Plans      PlansConfig             `yaml:"plans"`
	// CustomQueries are user SQL mapped to metrics and events.
	CustomQueries []CustomQuery `yaml:"custom_queries"`
}

// DefaultConfig returns the defaults (scraping off until a DSN is set).
func DefaultConfig() Config {
	return Config{
		CollectionInterval: 10 * time.Second,
		QueryTimeout:       5 * time.Second,
		QueryStats: QueryStatsConfig{Enabled: true, CollectionInterval: 60 * time.Second, TopN: 200,
			MaxStatements: 20000, TextCacheSize: 5000,
			Explain: ExplainConfig{TopN: 5, PerQueryPerHour: 1, ErrorTTL: time.Hour}},
		Databases: DatabasesConfig{MaxConnections: 2, MaxTables: 200, CollectionInterval: time.Minute},
		Sessions:  SessionsConfig{Enabled: true, SampleInterval: time.Second, EmitInterval: 10 * time.Second, MaxSamples: 1000},
		Plans:     PlansConfig{CollectionInterval: 10 * time.Second, MaxPlans: 100},
	}
}

// Enabled reports whether a DSN is configured.
func (c Config) Enabled() bool { return c.DSN.Value() != "" }

// Validate reports every problem with its YAML path.
func (c Config) Validate() error {
	var p config.Problems
	if c.DSN.Value() != "" {
		if _, err := newConnConfig(c.DSN.Value(), time.Second); err != nil {
			p.Add("dsn", "%v", err)
		}
	}
	scrape.ValidateTiming(&p, c.CollectionInterval, c.QueryTimeout)
	known := enabledMetrics(nil)
	for name := range c.Metrics {
		if _, ok := known[name]; !ok {
			p.Add(config.Join("metrics", name), "unknown metric (see docs/postgres-metrics.md)")
		}
	}
	if c.Databases.MaxConnections < 1 {
		p.Add("databases.max_connections", "must be at least 1")
	}
	if c.Databases.MaxTables < 1 {
		p.Add("databases.max_tables", "must be at least 1")
	}
	if c.Databases.CollectionInterval < time.Second {
		p.Add("databases.collection_interval", "must be at least 1s")
	}
	c.QueryStats.validate(&p, "query_stats")
	c.Sessions.validate(&p, "sessions")
	c.Plans.validate(&p, "plans")
	names := map[string]bool{}
	for i, q := range c.CustomQueries {
		prefix := fmt.Sprintf("custom_queries[%d]", i)
		q.withDefaults().validate(&p, prefix)
		if names[q.Name] {
			p.Add(config.Join(prefix, "name"), "duplicate name %q", q.Name)
		}
		names[q.Name] = true
	}
	return p.Err()
}

// QueryStatsConfig is `postgres.query_stats`: pg_stat_statements.
type QueryStatsConfig struct {
	Enabled            bool          `yaml:"enabled"`
	CollectionInterval time.Duration `yaml:"collection_interval"`
	// TopN statements by total time per interval become top_query events.
	TopN int `yaml:"top_n"`
	// MaxStatements bounds the entries whose counters are remembered.
	MaxStatements int `yaml:"max_statements"`
	// TextCacheSize bounds the obfuscated query texts kept in memory.
	TextCacheSize int           `yaml:"text_cache_size"`
	Explain       ExplainConfig `yaml:"explain"`
}

func (c QueryStatsConfig) validate(p *config.Problems, prefix string) {
	if !c.Enabled {
		return
	}
	if c.CollectionInterval < time.Second {
		p.Add(config.Join(prefix, "collection_interval"), "must be at least 1s")
	}
	if c.TopN < 1 {
		p.Add(config.Join(prefix, "top_n"), "must be at least 1")
	}
	if c.MaxStatements < 100 {
		p.Add(config.Join(prefix, "max_statements"), "must be at least 100")
	}
	if c.TextCacheSize < c.TopN {
		p.Add(config.Join(prefix, "text_cache_size"), "must be at least top_n (%d)", c.TopN)
	}
	c.Explain.validate(p, config.Join(prefix, "explain"))
}

// SessionsConfig is `postgres.sessions`: active session history.
type SessionsConfig struct {
	Enabled bool `yaml:"enabled"`
	// SampleInterval is how often pg_stat_activity is sampled.
	SampleInterval time.Duration `yaml:"sample_interval"`
	// EmitInterval is how often aggregated metrics and events are sent.
	EmitInterval time.Duration `yaml:"emit_interval"`
	// MaxSamples bounds the query_sample events of one emission.
	MaxSamples int `yaml:"max_samples"`
}

func (c SessionsConfig) validate(p *config.Problems, prefix string) {
	if !c.Enabled {
		return
	}
	if c.SampleInterval < 100*time.Millisecond {
		p.Add(config.Join(prefix, "sample_interval"), "must be at least 100ms")
	}
	if c.EmitInterval < c.SampleInterval {
		p.Add(config.Join(prefix, "emit_interval"), "must be at least sample_interval")
	}
	if c.MaxSamples < 1 {
		p.Add(config.Join(prefix, "max_samples"), "must be at least 1")
	}
}

// MetricToggle switches one metric on or off (`postgres.metrics.<name>`).
type MetricToggle struct {
	Enabled bool `yaml:"enabled"`
}

// DatabasesConfig is `postgres.databases`: which databases per-database
// statistics (tables, indexes, functions) are read from.
type DatabasesConfig struct {
	// Include lists databases to read (empty = all connectable ones).
	Include []string `yaml:"include"`
	// Exclude lists databases to skip.
	Exclude []string `yaml:"exclude"`
	// MaxConnections bounds the extra connections kept open to databases
	// other than the DSN's (PostgreSQL shows table statistics only to a
	// session in that database).
	MaxConnections int `yaml:"max_connections"`
	// MaxTables bounds the tables and indexes reported per database (the
	// tables with the most rows, the most scanned indexes).
	MaxTables int `yaml:"max_tables"`
	// CollectionInterval of per-database statistics: they change slowly,
	// and reading them costs a connection per database.
	CollectionInterval time.Duration `yaml:"collection_interval"`
}

func (c DatabasesConfig) allowed(db string) bool {
	for _, x := range c.Exclude {
		if x == db {
			return false
		}
	}
	if len(c.Include) == 0 {
		return true
	}
	for _, x := range c.Include {
		if x == db {
			return true
		}
	}
	return false
}

// PlansConfig is `postgres.plans`: auto_explain plans from the server log.
type PlansConfig struct {
	// LogPath is the server's log directory or log file; empty = off.
	// Take it from ${env:DBINTEL_POSTGRES_LOG_DIR:-}.
	LogPath string `yaml:"log_path"`
	// LogFormat restricts which files are read: jsonlog, csvlog or stderr;
	// empty = any, preferring jsonlog, then csvlog.
	LogFormat          string        `yaml:"log_format"`
	CollectionInterval time.Duration `yaml:"collection_interval"`
	// MaxPlans bounds the plan events of one interval.
	MaxPlans int `yaml:"max_plans"`
}

func (c PlansConfig) validate(p *config.Problems, prefix string) {
	switch c.LogFormat {
	case "", formatJSON, formatCSV, formatStderr:
	default:
		p.Add(config.Join(prefix, "log_format"), "must be jsonlog, csvlog, stderr or empty")
	}
	if c.LogPath == "" {
		return
	}
	if c.CollectionInterval < time.Second {
		p.Add(config.Join(prefix, "collection_interval"), "must be at least 1s")
	}
	if c.MaxPlans < 1 {
		p.Add(config.Join(prefix, "max_plans"), "must be at least 1")
	}
}

// ExplainConfig is `postgres.query_stats.explain`: opt-in EXPLAIN (never
// ANALYZE) of the slowest statements of each query-stats interval.
type ExplainConfig struct {
	Enabled bool `yaml:"enabled"`
	// TopN statements per interval are candidates.
	TopN int `yaml:"top_n"`
	// PerQueryPerHour bounds the EXPLAINs of one statement.
	PerQueryPerHour int `yaml:"per_query_per_hour"`
	// ErrorTTL is how long a statement whose EXPLAIN failed is left alone.
	ErrorTTL time.Duration `yaml:"error_ttl"`
	// Function, when set (e.g. "dbintel.explain"), is called as
	// SELECT <function>(query text) and must return EXPLAIN (FORMAT JSON)
	// output. With it, INSERT/UPDATE/DELETE/MERGE statements are also
	// candidates: the function, written by the DBA, decides what is safe.
	Function string `yaml:"function"`
}

var functionName = regexp.MustCompile(`^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$`)

func (c ExplainConfig) validate(p *config.Problems, prefix string) {
	if !c.Enabled {
		return
	}
	if c.TopN < 1 {
		p.Add(config.Join(prefix, "top_n"), "must be at least 1")
	}
	if c.PerQueryPerHour < 1 {
		p.Add(config.Join(prefix, "per_query_per_hour"), "must be at least 1")
	}
	if c.ErrorTTL < time.Minute {
		p.Add(config.Join(prefix, "error_ttl"), "must be at least 1m")
	}
	if c.Function != "" && !functionName.MatchString(c.Function) {
		p.Add(config.Join(prefix, "function"), "must be a function name such as dbintel.explain")
	}
}
