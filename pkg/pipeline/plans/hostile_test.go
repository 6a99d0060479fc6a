package plans

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/dbintel/dbintel/pkg/contract"
	"github.com/dbintel/dbintel/pkg/pipeline"
	"github.com/dbintel/dbintel/pkg/pipeline/dbkey/dbkeytest"
)

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

// TestHostile: the checks of every stage that reads sender values
// (dbkeytest.RunHostile).
func TestHostile(t *testing.T) { dbkeytest.RunHostile(t, newHostileStage) }

// newHostileStage builds the stage as the gateway does, on reg (nil: none).
func newHostileStage(t *testing.T, reg prometheus.Registerer) *Extractor {
	t.Helper()
	s, err := New(DefaultConfig(), reg, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
