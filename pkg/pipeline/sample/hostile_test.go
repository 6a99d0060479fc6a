package sample

import (
	"context"
	"runtime/debug"
	"testing"

	"github.com/dbintel/dbintel/pkg/contract"
	"github.com/dbintel/dbintel/pkg/pipeline/dbkey/dbkeytest"
	"github.com/prometheus/client_golang/prometheus"
)

// TestHostileIdentity: invalid UTF-8 in every identity attribute, query id
// and attribute must neither panic (a Prometheus label value of it does)
// nor reach a self-metric label.
func TestHostileIdentity(t *testing.T) {
	reg := prometheus.NewRegistry()
	s := newHostileStage(t, reg)
	for range 2 {
		if _, err := s.Process(context.Background(), dbkeytest.Hostile(3, dbkeytest.Invalid)); err != nil {
			t.Fatal(err)
		}
	}
	dbkeytest.CheckLabels(t, reg, 1000)
}

// TestDeepValues: kvlists nested deep wherever the stage reads a value
// (identity, query id, attributes, body) are never walked recursively: a
// million levels overflowed the default 1 GB stack, and a recursive walk of
// these overflows the test's small one.
func TestDeepValues(t *testing.T) {
	s := newHostileStage(t, nil)
	b := dbkeytest.Deep()
	defer debug.SetMaxStack(debug.SetMaxStack(dbkeytest.DeepMaxStack))
	if _, err := s.Process(context.Background(), b); err != nil {
		t.Fatal(err)
	}
}

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
