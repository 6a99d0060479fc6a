package dbkey

import (
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

func TestKey(t *testing.T) {
	tests := []struct {
		name  string
		attrs map[string]any
		want  string
	}{
		{"full", map[string]any{"db.system.name": "postgresql", "server.address": "db1", "server.port": int64(5432), "db.namespace": "orders", "service.name": "x"}, "postgresql://db1:5432/orders"},
		{"server level", map[string]any{"db.system.name": "mysql", "server.address": "db2", "server.port": int64(3306)}, "mysql://db2:3306"},
		{"service", map[string]any{"service.name": "checkout"}, "service:checkout"},
		{"nothing", map[string]any{"host.name": "h"}, ""},
		{"empty system falls back", map[string]any{"db.system.name": "", "service.name": "s"}, "service:s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := pcommon.NewResource()
			if err := res.Attributes().FromRaw(tt.attrs); err != nil {
				t.Fatal(err)
			}
			if got := Key(res); got != tt.want {
				t.Errorf("Key = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestIsQueryLevelLog(t *testing.T) {
	tests := []struct {
		field, attr string
		want        bool
	}{
		{"db.server.top_query", "", true},
		{"", "db.server.query_sample", true},
		{"db.server.blocking", "", true},
		{"db.server.query_plan", "", true},
		{"db.server.plan_change", "", true},
		{"dbintel.breaker", "", false},
		{"", "", false},
		{"", "app.event", false},
	}
	for _, tt := range tests {
		lr := plog.NewLogRecord()
		lr.SetEventName(tt.field)
		if tt.attr != "" {
			lr.Attributes().PutStr("event.name", tt.attr)
		}
		if got := IsQueryLevelLog(lr); got != tt.want {
			t.Errorf("field %q attr %q: got %v, want %v", tt.field, tt.attr, got, tt.want)
		}
	}
}

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
	hp.Attributes().PutStr("db.query.id", "q")

	left := RemovePointsIf(g, func(p Point) bool { return p.HasValue && p.Value >= 2 })
	if left != 2 {
		t.Fatalf("gauge points left = %d, want 2", left)
	}
	var seen Point
	var queryLevel bool
	RemovePointsIf(h, func(p Point) bool { seen, queryLevel = p, IsQueryLevelPoint(p.Attrs); return true })
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
	m.PutStr("db.query.id", "42")
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
	m.PutStr("db.query.id", "7000000000042")
	m.PutStr("db.query.text", "UPDATE stock SET qty = qty - ? WHERE sku = ?")
	m.PutInt("process.pid", 1042)
	m.PutStr("db.session.state", "active")
	m.PutStr("db.wait_event.type", "IO")
	b.ReportAllocs()
	for b.Loop() {
		HashMap(HashOffset, m)
	}
}
