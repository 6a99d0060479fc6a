package plans

import (
	"context"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/dbintel/dbintel/pkg/contract"
	"github.com/dbintel/dbintel/pkg/pipeline"
	"github.com/dbintel/dbintel/pkg/pipeline/dbkey/dbkeytest"
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

// TestMillionDeepPlans: nesting a sender controls never becomes recursion.
// A declared plan event whose body is a 1,000,000-deep kvlist (it crashed
// the gateway with a fatal stack overflow in json.Marshal), and JSON plans
// whose "Plans" arrays or values nest a million levels, pass through marked
// too_large.
func TestMillionDeepPlans(t *testing.T) {
	const depth = 1_000_000
	ld := plog.NewLogs()
	lrs := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
	kv := lrs.AppendEmpty()
	kv.SetEventName(contract.EventQueryPlan)
	m := kv.Body().SetEmptyMap()
	for range depth {
		m = m.PutEmptyMap("Plan")
	}
	sl := lrs.AppendEmpty()
	sl.SetEventName(contract.EventQueryPlan)
	s := sl.Body().SetEmptySlice()
	for range depth {
		s = s.AppendEmpty().SetEmptySlice()
	}
	nested := strings.Repeat(`{"Node Type":"Hash","Plans":[`, depth/30) + strings.Repeat("]}", depth/30)
	lrs.AppendEmpty().Attributes().PutStr(contract.PGQueryPlan, `[{"Plan":`+nested+`}]`)
	lrs.AppendEmpty().Body().SetStr(`{"Plan":{"Output":` + strings.Repeat("[", depth) + strings.Repeat("]", depth) + `}}`)

	e := newTestExtractor(t, func(c *Config) { c.MaxPlanBytes = 64 << 20 })
	out := process(t, e, pipeline.FromLogs(ld))
	for i, lr := range out.Logs.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().All() {
		if v, _ := lr.Attributes().Get(contract.AttrPlanError); v.Str() != reasonTooLarge {
			t.Errorf("record %d: %s = %q, want %q", i, contract.AttrPlanError, v.Str(), reasonTooLarge)
		}
	}
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
func newHostileStage(t *testing.T, reg prometheus.Registerer) *Extractor {
	t.Helper()
	s, err := New(DefaultConfig(), reg, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
