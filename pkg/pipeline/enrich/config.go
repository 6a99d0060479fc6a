package enrich

import (
	"fmt"

	"github.com/dbintel/dbintel/internal/config"
)

// Action names.
const (
	ActInsert = "insert" // set when absent
	ActUpdate = "update" // set when present
	ActUpsert = "upsert" // always set
	ActDelete = "delete" // remove
	ActRename = "rename" // move the value to new_key (overwriting it); nothing when key is absent
)

// Action is one attribute change.
type Action struct {
	Action string `yaml:"action"`
	Key    string `yaml:"key"`
	// Value is a YAML scalar (string, integer, float or boolean) kept with
	// its type; for insert, update and upsert only.
	Value any `yaml:"value"`
	// NewKey is the target of rename.
	NewKey string `yaml:"new_key"`
}

// Config lists the changes, applied in order: Resource to every resource
// (metrics, logs, traces), Attributes to every record (metric data point,
// log record, span).
type Config struct {
	Resource   []Action `yaml:"resource"`
	Attributes []Action `yaml:"attributes"`
}

// DefaultConfig changes nothing: what to add is site-specific
// (deployment.environment.name, cluster), set in deploy/gateway.yaml.
func DefaultConfig() Config { return Config{} }

// Validate reports every problem with its YAML key.
func (c Config) Validate() error {
	var p config.Problems
	for i, a := range c.Resource {
		a.validate(fmt.Sprintf("resource[%d]", i), &p)
	}
	for i, a := range c.Attributes {
		a.validate(fmt.Sprintf("attributes[%d]", i), &p)
	}
	return p.Err()
}

func (a Action) validate(path string, p *config.Problems) {
	if a.Key == "" {
		p.Add(config.Join(path, "key"), "must not be empty")
	}
	switch a.Action {
	case ActInsert, ActUpdate, ActUpsert:
		switch a.Value.(type) {
		case string, bool, int, int64, float64:
		case nil:
			p.Add(config.Join(path, "value"), "is required for %s", a.Action)
		default:
			p.Add(config.Join(path, "value"), "must be a string, number or boolean, got %T", a.Value)
		}
		if a.NewKey != "" {
			p.Add(config.Join(path, "new_key"), "is only for rename")
		}
	case ActDelete, ActRename:
		if a.Value != nil {
			p.Add(config.Join(path, "value"), "is not used by %s", a.Action)
		}
		if a.Action == ActRename && (a.NewKey == "" || a.NewKey == a.Key) {
			p.Add(config.Join(path, "new_key"), "must be set and differ from key for rename")
		}
		if a.Action == ActDelete && a.NewKey != "" {
			p.Add(config.Join(path, "new_key"), "is only for rename")
		}
	default:
		p.Add(config.Join(path, "action"), "must be one of insert, update, upsert, delete, rename; got %q", a.Action)
	}
}
