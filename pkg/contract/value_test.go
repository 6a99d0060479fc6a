package contract

import (
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

// TestMillionDeepIdentity: a 1,000,000-deep kvlist where an identity
// attribute or a query id belongs is read without recursion (AsString on
// it was a fatal stack overflow).
func TestMillionDeepIdentity(t *testing.T) {
	nest := func(m pcommon.Map) {
		for range 1_000_000 {
			m = m.PutEmptyMap("k")
		}
	}
	deep := pcommon.NewValueMap()
	nest(deep.Map())
	if !DeeperThan(deep, maxValueDepth) || ValueString(deep) != "Map" {
		t.Fatalf("deep value: DeeperThan %v, ValueString %q", DeeperThan(deep, maxValueDepth), ValueString(deep))
	}
	shallow := pcommon.NewValueMap()
	shallow.Map().PutStr("a", "b")
	if ValueString(shallow) != `{"a":"b"}` {
		t.Errorf("shallow map reads %q", ValueString(shallow))
	}
	res := pcommon.NewResource()
	for _, k := range []string{AttrDBSystem, AttrServerAddress, AttrServiceName} {
		nest(res.Attributes().PutEmptyMap(k))
	}
	if key := SourceKey(res); key != "Map://Map" {
		t.Errorf("SourceKey = %q", key)
	}
	lr := plog.NewLogRecord()
	nest(lr.Attributes().PutEmptyMap(PGQueryID))
	if QueryID(lr.Attributes()) != "Map" || System(res) != "Map" {
		t.Errorf("QueryID %q, System %q", QueryID(lr.Attributes()), System(res))
	}
	if id, attr := QueryIDAttr(lr.Attributes()); id != "Map" || attr != PGQueryID {
		t.Errorf("QueryIDAttr %q %q", id, attr)
	}
}
