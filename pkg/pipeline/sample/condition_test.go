package sample

import (
	"testing"

	"github.com/dbintel/dbintel/pkg/contract"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestOperators(t *testing.T) {
	attrs := map[string]any{"db.operation.name": "SELECT", contract.PGQueryID: "42", "calls": int64(10), "mean": 0.5, "flag": true}
	tests := []struct {
		name string
		cond Condition
		want bool // matched -> dropped by sample_rate 0
	}{
		{"attr eq", Condition{Field: FieldAttribute, Name: "db.operation.name", Op: "eq", Value: "SELECT"}, true},
		{"attr eq other", Condition{Field: FieldAttribute, Name: "db.operation.name", Op: "eq", Value: "UPDATE"}, false},
		{"attr eq int", Condition{Field: FieldAttribute, Name: "calls", Op: "eq", Value: "10"}, true},
		{"attr eq bool", Condition{Field: FieldAttribute, Name: "flag", Op: "eq", Value: "true"}, true},
		{"attr ne", Condition{Field: FieldAttribute, Name: "db.operation.name", Op: "ne", Value: "UPDATE"}, true},
		{"attr ne same", Condition{Field: FieldAttribute, Name: "db.operation.name", Op: "ne", Value: "SELECT"}, false},
		{"attr ne absent", Condition{Field: FieldAttribute, Name: "missing", Op: "ne", Value: "x"}, false},
		{"attr gt int", Condition{Field: FieldAttribute, Name: "calls", Op: "gt", Value: "9"}, true},
		{"attr gt equal", Condition{Field: FieldAttribute, Name: "calls", Op: "gt", Value: "10"}, false},
		{"attr gte equal", Condition{Field: FieldAttribute, Name: "calls", Op: "gte", Value: "10"}, true},
		{"attr lt double", Condition{Field: FieldAttribute, Name: "mean", Op: "lt", Value: "0.6"}, true},
		{"attr lt double no", Condition{Field: FieldAttribute, Name: "mean", Op: "lt", Value: "0.5"}, false},
		{"attr lte double", Condition{Field: FieldAttribute, Name: "mean", Op: "lte", Value: "0.5"}, true},
		{"attr gt numeric string", Condition{Field: FieldAttribute, Name: contract.PGQueryID, Op: "gt", Value: "41"}, true},
		{"attr gt non-numeric", Condition{Field: FieldAttribute, Name: "db.operation.name", Op: "gt", Value: "1"}, false},
		{"attr gt bool", Condition{Field: FieldAttribute, Name: "flag", Op: "gt", Value: "0"}, false},
		{"attr contains", Condition{Field: FieldAttribute, Name: "db.operation.name", Op: "contains", Value: "LEC"}, true},
		{"attr contains no", Condition{Field: FieldAttribute, Name: "db.operation.name", Op: "contains", Value: "x"}, false},
		{"attr regex", Condition{Field: FieldAttribute, Name: "db.operation.name", Op: "regex", Value: "^SEL"}, true},
		{"attr regex no", Condition{Field: FieldAttribute, Name: "db.operation.name", Op: "regex", Value: "^ECT"}, false},
		{"attr exists", Condition{Field: FieldAttribute, Name: "calls", Op: "exists"}, true},
		{"attr exists absent", Condition{Field: FieldAttribute, Name: "missing", Op: "exists"}, false},
		{"res eq", Condition{Field: FieldResourceAttribute, Name: "deployment.environment.name", Op: "eq", Value: "prod"}, true},
		{"res eq int port", Condition{Field: FieldResourceAttribute, Name: contract.AttrServerPort, Op: "eq", Value: "5432"}, true},
		{"res regex", Condition{Field: FieldResourceAttribute, Name: contract.AttrServerAddress, Op: "regex", Value: `^db\d\.internal$`}, true},
		{"res absent", Condition{Field: FieldResourceAttribute, Name: "k8s.pod.name", Op: "exists"}, false},
		{"res not on record", Condition{Field: FieldResourceAttribute, Name: "calls", Op: "exists"}, false},
		{"event eq", Condition{Field: FieldEventName, Op: "eq", Value: contract.EventQuerySample}, true},
		{"event ne", Condition{Field: FieldEventName, Op: "ne", Value: contract.EventTopQuery}, true},
		{"event contains", Condition{Field: FieldEventName, Op: "contains", Value: "sample"}, true},
		{"event regex", Condition{Field: FieldEventName, Op: "regex", Value: "top_query$"}, false},
		{"event exists", Condition{Field: FieldEventName, Op: "exists"}, true},
		{"metric name absent on log", Condition{Field: FieldMetricName, Op: "ne", Value: "x"}, false},
		{"value absent on log", Condition{Field: FieldValue, Op: "exists"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSampler(t, withRules(noBudget(DefaultConfig()), Rule{Name: "r", When: []Condition{tt.cond}, SampleRate: ptr(0)}), nil, nil)
			if got := !kept(t, s, oneLog(contract.EventQuerySample, attrs)); got != tt.want {
				t.Fatalf("matched = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestMetricConditions(t *testing.T) {
	tests := []struct {
		name string
		cond Condition
		want bool
	}{
		{"metric eq", Condition{Field: FieldMetricName, Op: "eq", Value: "postgresql.backends"}, true},
		{"metric regex", Condition{Field: FieldMetricName, Op: "regex", Value: `^postgresql\.`}, true},
		{"metric contains no", Condition{Field: FieldMetricName, Op: "contains", Value: "mysql"}, false},
		{"value gt", Condition{Field: FieldValue, Op: "gt", Value: "99"}, true},
		{"value gte", Condition{Field: FieldValue, Op: "gte", Value: "100"}, true},
		{"value lt", Condition{Field: FieldValue, Op: "lt", Value: "100"}, false},
		{"value lte", Condition{Field: FieldValue, Op: "lte", Value: "100"}, true},
		{"value eq", Condition{Field: FieldValue, Op: "eq", Value: "100"}, true},
		{"value ne", Condition{Field: FieldValue, Op: "ne", Value: "100"}, false},
		{"value exists", Condition{Field: FieldValue, Op: "exists"}, true},
		{"event absent on metric", Condition{Field: FieldEventName, Op: "ne", Value: "x"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSampler(t, withRules(noBudget(DefaultConfig()), Rule{Name: "r", When: []Condition{tt.cond}, SampleRate: ptr(0)}), nil, nil)
			if got := !kept(t, s, onePoint("postgresql.backends", 100, map[string]any{"state": "idle"})); got != tt.want {
				t.Fatalf("matched = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestAllConditionsMustHold(t *testing.T) {
	cfg := withRules(noBudget(DefaultConfig()), Rule{Name: "both", SampleRate: ptr(0), When: []Condition{
		{Field: FieldEventName, Op: "eq", Value: contract.EventQuerySample},
		{Field: FieldAttribute, Name: "state", Op: "eq", Value: "idle"},
	}})
	s := newSampler(t, cfg, nil, nil)
	if !kept(t, s, oneLog(contract.EventQuerySample, map[string]any{"state": "active"})) {
		t.Fatal("dropped although one condition fails")
	}
	if kept(t, s, oneLog(contract.EventQuerySample, map[string]any{"state": "idle"})) {
		t.Fatal("kept although both conditions hold")
	}
}

func TestRuleOrder(t *testing.T) {
	keepAll := Rule{Name: "keep", SampleRate: ptr(1), When: []Condition{{Field: FieldAttribute, Name: "db.operation.name", Op: "eq", Value: "SELECT"}}}
	dropAll := Rule{Name: "drop", SampleRate: ptr(0), When: []Condition{{Field: FieldEventName, Op: "exists"}}}
	tests := []struct {
		name  string
		rules []Rule
		op    string
		want  bool
	}{
		{"first rule wins (keep)", []Rule{keepAll, dropAll}, "SELECT", true},
		{"first rule wins (drop)", []Rule{dropAll, keepAll}, "SELECT", false},
		{"falls through to second", []Rule{keepAll, dropAll}, "UPDATE", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := prometheus.NewPedanticRegistry()
			s := newSampler(t, withRules(noBudget(DefaultConfig()), tt.rules...), reg, nil)
			if got := kept(t, s, oneLog(contract.EventQuerySample, map[string]any{"db.operation.name": tt.op})); got != tt.want {
				t.Fatalf("kept = %v, want %v", got, tt.want)
			}
			// Exactly one rule counted the item.
			var matched float64
			for _, r := range tt.rules {
				matched += testutil.ToFloat64(s.m.matched.WithLabelValues(r.Name))
			}
			if matched != 1 {
				t.Fatalf("matched across rules = %v, want 1", matched)
			}
		})
	}
}
