package sample

import (
	"context"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/dbintel/dbintel/internal/config"
	"github.com/dbintel/dbintel/pkg/contract"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"default ok", func(*Config) {}, ""},
		{"bad op", func(c *Config) {
			c.Rules = []Rule{{Name: "r", When: []Condition{{Field: "attribute", Name: "a", Op: "like"}}}}
		}, "rules[0].when[0].op"},
		{"bad field", func(c *Config) { c.Rules = []Rule{{Name: "r", When: []Condition{{Field: "body", Op: "exists"}}}} }, "rules[0].when[0].field"},
		{"bad regex", func(c *Config) {
			c.Rules = []Rule{{Name: "r", When: []Condition{{Field: "event_name", Op: "regex", Value: "("}}}}
		}, "rules[0].when[0].value"},
		{"gt needs number", func(c *Config) {
			c.Rules = []Rule{{Name: "r", When: []Condition{{Field: "attribute", Name: "a", Op: "gt", Value: "x"}}}}
		}, "rules[0].when[0].value"},
		{"attribute needs name", func(c *Config) { c.Rules = []Rule{{Name: "r", When: []Condition{{Field: "attribute", Op: "exists"}}}} }, "rules[0].when[0].name"},
		{"duplicate name", func(c *Config) { c.Rules = []Rule{{Name: "r"}, {Name: "r"}} }, "rules[1].name"},
		{"reserved name", func(c *Config) { c.Rules = []Rule{{Name: "default"}} }, "rules[0].name"},
		{"rate range", func(c *Config) { c.Rules = []Rule{{Name: "r", SampleRate: ptr(1.5)}} }, "rules[0].sample_rate"},
		{"min above max", func(c *Config) { c.Budget.MinRate = 0.9; c.Budget.MaxRate = 0.5 }, "budget.min_rate"},
		{"smoothing", func(c *Config) { c.Budget.Smoothing = 0 }, "budget.smoothing"},
		{"dedup attrs without window", func(c *Config) { c.Dedup = Dedup{KeyAttributes: []string{"a"}} }, "dedup.key_attributes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := DefaultConfig()
			tt.edit(&c)
			err := c.Validate()
			if (err == nil) != (tt.want == "") || (err != nil && !strings.Contains(err.Error(), tt.want)) {
				t.Fatalf("Validate() = %v, want problem at %q", err, tt.want)
			}
		})
	}
}

func TestYAML(t *testing.T) {
	doc := `
sample:
  budget: {per_minute: 5000, recompute_every: 10s}
  rules:
    - name: idle-samples
      when:
        - {field: event_name, op: eq, value: db.server.query_sample}
        - {field: attribute, name: mysql.wait_event_type, op: eq, value: io}
      sample_rate: 0.1
      max_per_minute: 600
      dedup: {window: 5m, key_attributes: [postgresql.query_id]}
`
	var wrap struct {
		Sample Config `yaml:"sample"`
	}
	wrap.Sample = DefaultConfig()
	if err := config.Parse([]byte(doc), func(string) (string, bool) { return "", false }, &wrap); err != nil {
		t.Fatal(err)
	}
	c := wrap.Sample
	if c.Budget.PerMinute != 5000 || c.Budget.RecomputeEvery != 10*time.Second || c.Budget.MaxRate != 1 {
		t.Fatalf("budget = %+v", c.Budget)
	}
	r := c.Rules[0]
	if *r.SampleRate != 0.1 || r.MaxPerMinute != 600 || r.Dedup.Window != 5*time.Minute || r.When[1].Value != "io" {
		t.Fatalf("rule = %+v", r)
	}
}

// The example config in testdata (the block deploy/gateway.yaml takes) is
// valid, decodes to the defaults and builds the stage.
func TestExampleConfig(t *testing.T) {
	data, err := os.ReadFile("testdata/gateway.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var wrap struct {
		C Config `yaml:"sample"`
	}
	wrap.C = DefaultConfig()
	if err := config.Parse(data, func(string) (string, bool) { return "", false }, &wrap); err != nil {
		t.Fatal(err)
	}
	wrap.C.Rules = nil // "rules: []" decodes to an empty slice
	if !reflect.DeepEqual(wrap.C, DefaultConfig()) {
		t.Fatalf("example differs from the defaults:\n%+v\n%+v", wrap.C, DefaultConfig())
	}
	if _, err := New(wrap.C, nil, nil, nil); err != nil {
		t.Fatal(err)
	}
}

// The opt-in rules shown commented out in testdata/gateway.yaml are valid.
func TestExampleRules(t *testing.T) {
	data, err := os.ReadFile("testdata/rules_example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var wrap struct {
		C Config `yaml:"sample"`
	}
	wrap.C = DefaultConfig()
	if err := config.Parse(data, func(string) (string, bool) { return "", false }, &wrap); err != nil {
		t.Fatal(err)
	}
	if len(wrap.C.Rules) != 3 {
		t.Fatalf("%d rules", len(wrap.C.Rules))
	}
	s, err := New(wrap.C, nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Idle samples are thinned to 10%; active ones are not matched.
	kept := 0
	for i := range 1000 {
		b := oneLog(contract.EventQuerySample, map[string]any{contract.PGQueryID: fmt.Sprint(i), "db.session.state": "idle in transaction"})
		out, err := s.Process(context.Background(), b)
		if err != nil {
			t.Fatal(err)
		}
		kept += out.Counts().Records
	}
	if kept < 60 || kept > 140 {
		t.Fatalf("kept %d of 1000 idle samples, want about 100", kept)
	}
}
