package dbkey

import (
	"runtime/debug"
	"testing"

	"github.com/dbintel/dbintel/pkg/contract"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

func TestRemovePointsIf(t *testing.T) {
	md := pmetric.NewMetrics()
	ms := md.ResourceMetrics().AppendEmpty().ScopeMetrics().AppendEmpty().Metrics()
	g := ms.AppendEmpty()
	g.SetName("g")
	gdps := g.SetEmptyGauge().DataPoints()
	for i := range 4 {
		p := gdps.AppendEmpty()
		p.SetIntValue(int64(i))
	}
	h := ms.AppendEmpty()
	h.SetName("h")
	hp := h.SetEmptyHistogram().DataPoints().AppendEmpty()
	hp.SetSum(10)
	hp.SetCount(4)
	hp.Attributes().PutStr(contract.PGQueryID, "q")

	left := RemovePointsIf(g, func(p Point) bool { return p.HasValue && p.Value >= 2 })
	if left != 2 {
		t.Fatalf("gauge points left = %d, want 2", left)
	}
	var seen Point
	var queryLevel bool
	RemovePointsIf(h, func(p Point) bool { seen, queryLevel = p, contract.IsQueryLevelPoint(p.Attrs); return true })
	if !seen.HasValue || seen.Value != 2.5 || !queryLevel {
		t.Fatalf("histogram view: value %v (has %v), query-level %v", seen.Value, seen.HasValue, queryLevel)
	}
	RemoveEmptyMetrics(md)
	if md.MetricCount() != 1 || md.DataPointCount() != 2 {
		t.Fatalf("after prune: %d metrics, %d points", md.MetricCount(), md.DataPointCount())
	}
}

func TestHashStable(t *testing.T) {
	// Pinned values: a change here changes every sampling decision in a
	// running fleet, so it must be deliberate.
	m := pcommon.NewMap()
	m.PutStr(contract.PGQueryID, "42")
	m.PutInt("n", 7)
	if got := Mix(HashString(HashOffset, "db.query.id")); got != 0x4d4a35e93c3337df {
		t.Fatalf("HashString changed: %#x", got)
	}
	a, b := HashMap(HashOffset, m), HashMap(HashOffset, m)
	if a != b {
		t.Fatal("hash not deterministic")
	}
	if HashString(HashString(HashOffset, "ab"), "c") == HashString(HashString(HashOffset, "a"), "bc") {
		t.Fatal("concatenation collision")
	}
}

func BenchmarkHashMap(b *testing.B) {
	m := pcommon.NewMap()
	m.PutStr(contract.PGSampleQueryID, "7000000000042")
	m.PutStr(contract.AttrQueryText, "UPDATE stock SET qty = qty - ? WHERE sku = ?")
	m.PutInt("process.pid", 1042)
	m.PutStr("db.session.state", "active")
	m.PutStr("db.wait_event.type", "IO")
	b.ReportAllocs()
	for b.Loop() {
		HashMap(HashOffset, m)
	}
}

// TestHashMapOrder: the same attributes in another order are the same
// series (cardinality folded {y,x} into overflow after {x,y} with a limit
// of 1); different attributes or values are not.
func TestHashMapOrder(t *testing.T) {
	xy, yx, other := pcommon.NewMap(), pcommon.NewMap(), pcommon.NewMap()
	xy.PutStr("x", "1")
	xy.PutInt("y", 2)
	yx.PutInt("y", 2)
	yx.PutStr("x", "1")
	other.PutStr("x", "2")
	other.PutInt("y", 1)
	if HashMap(HashOffset, xy) != HashMap(HashOffset, yx) {
		t.Error("{x,y} and {y,x} hash apart")
	}
	if HashMap(HashOffset, xy) == HashMap(HashOffset, other) {
		t.Error("values swapped between keys hash alike")
	}
	nested := func(first, second string) pcommon.Map {
		m := pcommon.NewMap()
		in := m.PutEmptyMap("m")
		in.PutStr(first, first)
		in.PutStr(second, second)
		return m
	}
	if HashMap(HashOffset, nested("a", "b")) != HashMap(HashOffset, nested("b", "a")) {
		t.Error("nested maps depend on key order")
	}
}

// TestHashDeepValue: a value nested deeper than any real one (a hostile
// sender's) hashes without following it down: under a 16 MB stack, a
// recursive walk of 100,000 levels would be a fatal stack overflow.
func TestHashDeepValue(t *testing.T) {
	const depth = 100_000
	m := pcommon.NewMap()
	cur := m.PutEmptyMap("k")
	for range depth {
		cur = cur.PutEmptyMap("k")
	}
	cur.PutStr("leaf", "v")
	s := pcommon.NewValueSlice()
	cs := s.Slice()
	for range depth {
		cs = cs.AppendEmpty().SetEmptySlice()
	}
	defer debug.SetMaxStack(debug.SetMaxStack(16 << 20))
	_ = HashMap(HashOffset, m)
	_ = HashValue(HashOffset, s)
}
