package verify

import (
	"context"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/dbintel/dbintel/pkg/pipeline"
)

// TestDeepBodyDropped: a body nested a million levels (what an OTLP/JSON
// body can carry) is dropped as too_deep after maxNesting levels, as a
// plain log and as a plan, instead of a recursion per level; a plan body
// of realistic depth is kept and masked.
func TestDeepBodyDropped(t *testing.T) {
	v, _ := newTest(t, nil)
	build := func(n int, plan bool) pipeline.Batch {
		b := pipeline.NewBatch()
		lr := b.Logs.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
		if plan {
			lr.SetEventName(planEvent)
		}
		cur := lr.Body().SetEmptyMap()
		for range n {
			cur = cur.PutEmptySlice("Plans").AppendEmpty().SetEmptyMap()
		}
		cur.PutStr("Filter", "(a = 'zzdeep')")
		return b
	}
	for _, plan := range []bool{false, true} {
		b := build(1_000_000, plan)
		if _, err := v.Process(context.Background(), b); err != nil {
			t.Fatal(err)
		}
		if b.Logs.LogRecordCount() != 0 {
			t.Errorf("plan=%v: a million-deep body was kept", plan)
		}
	}
	if got := testutil.ToFloat64(v.m.fixes[fixTooDeep]); got != 2 {
		t.Errorf("too_deep = %v, want 2", got)
	}
	b := build(100, true) // a 100-node chain: 200 levels
	v.Process(context.Background(), b)
	if b.Logs.LogRecordCount() != 1 {
		t.Fatal("a plan of 100 nested nodes was dropped")
	}
	var leaf pcommon.Value
	cur := b.Logs.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0).Body()
	for cur.Type() == pcommon.ValueTypeMap {
		leaf = cur
		next, ok := cur.Map().Get("Plans")
		if !ok {
			break
		}
		cur = next.Slice().At(0)
	}
	if f, _ := leaf.Map().Get("Filter"); f.Str() != "(a = ?)" {
		t.Errorf("deep plan leaf Filter = %q", f.Str())
	}
}
