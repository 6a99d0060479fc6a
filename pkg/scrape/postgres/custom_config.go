package postgres

import (
	"fmt"
	"regexp"
	"time"

	"github.com/dbintel/dbintel/internal/config"
)

// CustomQuery is one entry of `postgres.custom_queries`: a user's SQL whose
// rows become metrics and/or log events, like the collector's sqlquery
// receiver. It runs in a READ ONLY transaction with its own
// statement_timeout.
type CustomQuery struct {
	// Name makes the collector name postgresql.custom.<name>.
	Name string `yaml:"name"`
	SQL  string `yaml:"sql"`
	// Database to run in; empty = the DSN's.
	Database           string         `yaml:"database"`
	CollectionInterval time.Duration  `yaml:"collection_interval"`
	Timeout            time.Duration  `yaml:"timeout"`
	MaxRows            int            `yaml:"max_rows"`
	Metrics            []CustomMetric `yaml:"metrics"`
	Events             []CustomEvent  `yaml:"events"`
}

// CustomMetric maps a column to a metric.
type CustomMetric struct {
	Name        string `yaml:"name"`
	ValueColumn string `yaml:"value_column"`
	// Type is gauge, or sum for a cumulative counter (sent as deltas).
	Type             string   `yaml:"type"`
	Unit             string   `yaml:"unit"`
	Description      string   `yaml:"description"`
	AttributeColumns []string `yaml:"attribute_columns"`
}

// CustomEvent maps each row to a log event.
type CustomEvent struct {
	EventName        string   `yaml:"event_name"`
	BodyColumn       string   `yaml:"body_column"`
	AttributeColumns []string `yaml:"attribute_columns"`
}

var customName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)

func (q CustomQuery) validate(p *config.Problems, prefix string) {
	if !customName.MatchString(q.Name) {
		p.Add(config.Join(prefix, "name"), "must match %s", customName)
	}
	if !readOnlyRe.MatchString(q.SQL) {
		p.Add(config.Join(prefix, "sql"), "must be a SELECT or WITH query")
	}
	if q.CollectionInterval < time.Second {
		p.Add(config.Join(prefix, "collection_interval"), "must be at least 1s")
	}
	if q.Timeout <= 0 || q.Timeout > q.CollectionInterval {
		p.Add(config.Join(prefix, "timeout"), "must be positive and at most collection_interval")
	}
	if q.MaxRows < 1 {
		p.Add(config.Join(prefix, "max_rows"), "must be at least 1")
	}
	if len(q.Metrics) == 0 && len(q.Events) == 0 {
		p.Add(prefix, "needs at least one of metrics or events")
	}
	for i, m := range q.Metrics {
		mp := fmt.Sprintf("%s.metrics[%d]", prefix, i)
		if m.Name == "" || m.ValueColumn == "" {
			p.Add(mp, "name and value_column are required")
		}
		if m.Type != "gauge" && m.Type != "sum" {
			p.Add(config.Join(mp, "type"), "must be gauge or sum")
		}
	}
	for i, e := range q.Events {
		if e.EventName == "" {
			p.Add(fmt.Sprintf("%s.events[%d].event_name", prefix, i), "is required")
		}
	}
}

// withDefaults fills the optional fields.
func (q CustomQuery) withDefaults() CustomQuery {
	if q.CollectionInterval == 0 {
		q.CollectionInterval = time.Minute
	}
	if q.Timeout == 0 {
		q.Timeout = 5 * time.Second
	}
	if q.MaxRows == 0 {
		q.MaxRows = 1000
	}
	return q
}
