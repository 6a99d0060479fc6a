package sample

import (
	"fmt"
	"regexp"
	"strconv"
	"time"

	"github.com/dbintel/dbintel/internal/config"
)

// Config is the sampler's configuration.
type Config struct {
	// KeyAttributes name the attributes (record first, then resource) whose
	// values are hashed to decide keep or drop, so every gateway replica
	// decides the same for the same key. Empty: the statement id
	// (contract.QueryID, whichever system's attribute carries it, so a
	// statement's top_query and query_sample events are decided alike).
	// Without a key: the trace id, else the record's content.
	KeyAttributes []string `yaml:"key_attributes"`
	// Dedup drops repeats of query-level events (log records) that no rule
	// matched.
	Dedup Dedup `yaml:"dedup"`
	// DedupCacheSize bounds the entries remembered for every dedup (the
	// default one and the rules'); the oldest are dropped first.
	DedupCacheSize int `yaml:"dedup_cache_size"`
	// AlwaysKeep lists what is never sampled away.
	AlwaysKeep AlwaysKeep `yaml:"always_keep"`
	// Budget caps the query-level items of each database.
	Budget Budget `yaml:"budget"`
	// Rules are tried in order; the first whose conditions all hold decides.
	Rules []Rule `yaml:"rules"`
}

// Dedup drops an item whose key was seen within Window. The key is the
// database, the metric or event name and the values of KeyAttributes; with
// no KeyAttributes, the whole record (attributes, body, value, timestamp),
// which catches exact duplicates such as retried sends.
type Dedup struct {
	Window        time.Duration `yaml:"window"` // 0 = off
	KeyAttributes []string      `yaml:"key_attributes"`
}

// AlwaysKeep protects items from every rule, dedup and budget.
type AlwaysKeep struct {
	// SlowQuerySeconds keeps records whose mean execution time per call is
	// above it: from the totals New Relic's receivers send on top_query
	// events (contract.MeanExecSeconds), or from any SlowQueryAttributes
	// (values in seconds) for other senders. 0 = off.
	SlowQuerySeconds    float64  `yaml:"slow_query_seconds"`
	SlowQueryAttributes []string `yaml:"slow_query_attributes"`
	// Errors keeps log records of severity ERROR or above, spans with status
	// Error, and any record carrying error.type.
	Errors bool `yaml:"errors"`
	// Blocking keeps db.server.blocking events.
	Blocking bool `yaml:"blocking"`
	// PlanChanges keeps db.server.plan_change events.
	PlanChanges bool `yaml:"plan_changes"`
}

// Budget is the adaptive part: each database's query-level items per minute
// are held near PerMinute by a keep-rate recomputed every RecomputeEvery
// from the smoothed observed volume.
type Budget struct {
	PerMinute      int           `yaml:"per_minute"` // 0 = off
	MinRate        float64       `yaml:"min_rate"`
	MaxRate        float64       `yaml:"max_rate"`
	RecomputeEvery time.Duration `yaml:"recompute_every"`
	// Smoothing is the weight of the newest observation in the moving
	// average (1 = no smoothing).
	Smoothing float64 `yaml:"smoothing"`
	// MaxDatabases bounds the databases tracked (and the effective-rate
	// gauge's label values); the least recently seen is evicted.
	MaxDatabases int `yaml:"max_databases"`
}

// Rule is one sampling rule.
type Rule struct {
	Name string      `yaml:"name"`
	When []Condition `yaml:"when"`
	// SampleRate is the share kept, 0..1; unset = 1.
	SampleRate *float64 `yaml:"sample_rate"`
	// MaxPerMinute caps what the rule keeps (token bucket, bursts up to ten
	// seconds' worth); 0 = no cap.
	MaxPerMinute int   `yaml:"max_per_minute"`
	Dedup        Dedup `yaml:"dedup"`
}

// Condition fields.
const (
	FieldAttribute         = "attribute"          // record attribute Name
	FieldResourceAttribute = "resource_attribute" // resource attribute Name
	FieldMetricName        = "metric_name"
	FieldEventName         = "event_name"
	FieldValue             = "value" // a metric point's value (mean for histograms)
)

// Condition compares one field of an item. An absent field never matches,
// whatever the operator.
type Condition struct {
	Field string `yaml:"field"`
	Name  string `yaml:"name"`
	Op    string `yaml:"op"` // eq ne gt gte lt lte contains regex exists
	Value string `yaml:"value"`
}

// DefaultConfig is safe for database telemetry: nothing is sampled under
// normal volume; exact duplicates of query-level events within a minute are
// dropped; a database sending more than 10,000 query-level items a minute
// is sampled down to that; slow queries, errors, blocking and plan changes
// are always kept.
func DefaultConfig() Config {
	return Config{
		KeyAttributes:  []string{}, // the statement id
		Dedup:          Dedup{Window: time.Minute},
		DedupCacheSize: 100_000,
		AlwaysKeep: AlwaysKeep{
			SlowQuerySeconds: 1, SlowQueryAttributes: []string{},
			Errors: true, Blocking: true, PlanChanges: true,
		},
		Budget: Budget{PerMinute: 10_000, MinRate: 0.01, MaxRate: 1, RecomputeEvery: 5 * time.Second, Smoothing: 0.5, MaxDatabases: 1000},
	}
}

// Validate reports every problem with its YAML key.
func (c Config) Validate() error {
	var p config.Problems
	c.Dedup.validate("dedup", &p)
	if c.DedupCacheSize <= 0 {
		p.Add("dedup_cache_size", "must be positive, got %d", c.DedupCacheSize)
	}
	if c.AlwaysKeep.SlowQuerySeconds < 0 {
		p.Add("always_keep.slow_query_seconds", "must not be negative")
	}
	b := c.Budget
	if b.PerMinute < 0 {
		p.Add("budget.per_minute", "must not be negative")
	}
	if b.MinRate <= 0 || b.MinRate > b.MaxRate {
		p.Add("budget.min_rate", "must be in (0, max_rate], got %v", b.MinRate)
	}
	if b.MaxRate <= 0 || b.MaxRate > 1 {
		p.Add("budget.max_rate", "must be in (0, 1], got %v", b.MaxRate)
	}
	if b.RecomputeEvery < time.Second {
		p.Add("budget.recompute_every", "must be at least 1s, got %s", b.RecomputeEvery)
	}
	if b.Smoothing <= 0 || b.Smoothing > 1 {
		p.Add("budget.smoothing", "must be in (0, 1], got %v", b.Smoothing)
	}
	if b.MaxDatabases <= 0 {
		p.Add("budget.max_databases", "must be positive, got %d", b.MaxDatabases)
	}
	names := map[string]bool{ruleDefault: true, ruleAlwaysKeep: true}
	for i, r := range c.Rules {
		path := fmt.Sprintf("rules[%d]", i)
		if r.Name == "" || names[r.Name] {
			p.Add(config.Join(path, "name"), "must be set, unique and not %q or %q; got %q", ruleDefault, ruleAlwaysKeep, r.Name)
		}
		names[r.Name] = true
		if r.SampleRate != nil && (*r.SampleRate < 0 || *r.SampleRate > 1) {
			p.Add(config.Join(path, "sample_rate"), "must be in [0, 1], got %v", *r.SampleRate)
		}
		if r.MaxPerMinute < 0 {
			p.Add(config.Join(path, "max_per_minute"), "must not be negative")
		}
		r.Dedup.validate(config.Join(path, "dedup"), &p)
		for j, cond := range r.When {
			cond.validate(fmt.Sprintf("%s.when[%d]", path, j), &p)
		}
	}
	return p.Err()
}

func (d Dedup) validate(path string, p *config.Problems) {
	if d.Window < 0 {
		p.Add(config.Join(path, "window"), "must not be negative")
	}
	if d.Window == 0 && len(d.KeyAttributes) > 0 {
		p.Add(config.Join(path, "key_attributes"), "has no effect without a window")
	}
}

func (c Condition) validate(path string, p *config.Problems) {
	switch c.Field {
	case FieldAttribute, FieldResourceAttribute:
		if c.Name == "" {
			p.Add(config.Join(path, "name"), "must name the attribute")
		}
	case FieldMetricName, FieldEventName, FieldValue:
		if c.Name != "" {
			p.Add(config.Join(path, "name"), "is only for attribute and resource_attribute")
		}
	default:
		p.Add(config.Join(path, "field"), "must be one of attribute, resource_attribute, metric_name, event_name, value; got %q", c.Field)
	}
	switch c.Op {
	case opExists:
		if c.Value != "" {
			p.Add(config.Join(path, "value"), "is not used by exists")
		}
	case opEq, opNe, opContains:
		if c.Field == FieldValue {
			if _, err := strconv.ParseFloat(c.Value, 64); err != nil && c.Op != opContains {
				p.Add(config.Join(path, "value"), "must be a number for field value, got %q", c.Value)
			} else if c.Op == opContains {
				p.Add(config.Join(path, "op"), "contains does not apply to field value")
			}
		}
	case opGt, opGte, opLt, opLte:
		if _, err := strconv.ParseFloat(c.Value, 64); err != nil {
			p.Add(config.Join(path, "value"), "must be a number for %s, got %q", c.Op, c.Value)
		}
	case opRegex:
		if c.Field == FieldValue {
			p.Add(config.Join(path, "op"), "regex does not apply to field value")
		} else if _, err := regexp.Compile(c.Value); err != nil {
			p.Add(config.Join(path, "value"), "invalid regex: %v", err)
		}
	default:
		p.Add(config.Join(path, "op"), "must be one of eq ne gt gte lt lte contains regex exists; got %q", c.Op)
	}
}
