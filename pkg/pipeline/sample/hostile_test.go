package sample

import (
	"testing"

	"github.com/dbintel/dbintel/pkg/contract"
	"github.com/dbintel/dbintel/pkg/pipeline/dbkey/dbkeytest"
	"github.com/prometheus/client_golang/prometheus"
)

// TestHostile: the checks of every stage that reads sender values
// (dbkeytest.RunHostile).
func TestHostile(t *testing.T) { dbkeytest.RunHostile(t, newHostileStage) }

// newHostileStage builds the stage as the gateway does, on reg (nil: none).
func newHostileStage(t *testing.T, reg prometheus.Registerer) *Sampler {
	t.Helper()
	cfg := DefaultConfig()
	// Conditions read values as strings: a rule that reads every kind.
	cfg.Rules = []Rule{{Name: "any", SampleRate: ptr(0.5), When: []Condition{
		{Field: FieldAttribute, Name: contract.AttrNamespace, Op: opRegex, Value: "x"},
		{Field: FieldResourceAttribute, Name: contract.AttrNamespace, Op: opContains, Value: "x"},
	}}}
	s, err := New(cfg, reg, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
