package contract

import (
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

func TestMeanExecSeconds(t *testing.T) {
	for _, tc := range []struct {
		name  string
		attrs map[string]any
		want  float64
		ok    bool
	}{
		{"postgresql ms", map[string]any{PGTotalExecTime: 3000.0, PGCalls: 2}, 1.5, true},
		{"mysql s", map[string]any{MySQLSumTimerWait: 0.5, MySQLCountStar: 5}, 0.1, true},
		{"no calls", map[string]any{PGTotalExecTime: 3000.0, PGCalls: 0}, 0, false},
		{"neither", map[string]any{PGQueryID: "1"}, 0, false},
	} {
		m := pcommon.NewMap()
		if err := m.FromRaw(tc.attrs); err != nil {
			t.Fatal(err)
		}
		if got, ok := MeanExecSeconds(m); ok != tc.ok || got != tc.want {
			t.Errorf("%s: %v %v, want %v %v", tc.name, got, ok, tc.want, tc.ok)
		}
	}
}

func TestQueryIDAttr(t *testing.T) {
	m := pcommon.NewMap()
	m.PutStr(MySQLDigest, "abc")
	if id, attr := QueryIDAttr(m); id != "abc" || attr != MySQLDigest || QueryID(m) != id {
		t.Errorf("QueryIDAttr = %q %q", id, attr)
	}
	if id, attr := QueryIDAttr(pcommon.NewMap()); id != "" || attr != "" {
		t.Errorf("empty map: %q %q", id, attr)
	}
}

// TestSourceKeyLongParts: a key built from long parts is what BoundLabel
// makes of the whole key, without building the whole.
func TestSourceKeyLongParts(t *testing.T) {
	long := strings.Repeat("a\xff", 40000)
	for _, addr := range []string{"db1", long, long[:150], strings.Repeat("é", 100)} {
		res := pcommon.NewResource()
		res.Attributes().PutStr(AttrDBSystem, SystemPostgreSQL)
		res.Attributes().PutStr(AttrServerAddress, addr)
		res.Attributes().PutInt(AttrServerPort, 5432)
		if got, want := SourceKey(res), BoundLabel(SystemPostgreSQL+"://"+addr+":5432"); got != want {
			t.Errorf("address of %d bytes: %q, want %q", len(addr), got, want)
		}
	}
}
