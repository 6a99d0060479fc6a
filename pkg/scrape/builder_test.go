package scrape

import (
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/dbintel/dbintel/pkg/contract"
)

func TestMetricsBuilderLayout(t *testing.T) {
	for _, tc := range []struct {
		temporality Temporality
		want        pmetric.AggregationTemporality
	}{
		{Cumulative, pmetric.AggregationTemporalityCumulative},
		{"", pmetric.AggregationTemporalityCumulative},
		{Delta, pmetric.AggregationTemporalityDelta},
	} {
		tg := NewTarget("postgresql", "db1", 5432, nil)
		tg.Version, tg.Temporality = "1.2.3", tc.temporality
		mb := NewMetricsBuilder(tg, contract.ScopePostgreSQL)
		now := time.Unix(1000, 0)
		counter := MetricDef{Name: "c", Kind: Counter}
		mb.Int(MetricDef{Name: "g", Kind: Gauge}, time.Time{}, now, 1)
		mb.For("postgresql.database.name", "orders").Int(counter, now.Add(-time.Minute), now, 5)
		mb.For("postgresql.database.name", "empty") // no point: no resource
		if mb.For("postgresql.database.name", "orders").For("postgresql.database.name", "orders") != mb.For("postgresql.database.name", "orders") {
			t.Fatal("For on a sub-builder nests or duplicates a resource")
		}
		md := mb.Metrics()
		if n := md.ResourceMetrics().Len(); n != 2 {
			t.Fatalf("%d resources, want the server's and one database's", n)
		}
		sub := md.ResourceMetrics().At(1)
		if v, _ := sub.Resource().Attributes().Get("postgresql.database.name"); v.Str() != "orders" {
			t.Fatal("sub-resource lacks its attribute")
		}
		if v, _ := sub.Resource().Attributes().Get(contract.AttrServiceInstanceID); v.Str() != "db1:5432" {
			t.Fatal("sub-resource lacks the target's identity")
		}
		for i := 0; i < md.ResourceMetrics().Len(); i++ {
			sc := md.ResourceMetrics().At(i).ScopeMetrics().At(0).Scope()
			v, _ := sc.Attributes().Get(contract.ScopeAttrVersion)
			if sc.Name() != contract.ScopePostgreSQL || sc.Version() != "1.2.3" || v.Str() != "1.2.3" {
				t.Fatalf("scope %q %q %v, want New Relic's name and dbintel's version", sc.Name(), sc.Version(), sc.Attributes().AsRaw())
			}
		}
		ms := sub.ScopeMetrics().At(0).Metrics()
		if got := ms.At(0).Sum().AggregationTemporality(); got != tc.want || !ms.At(0).Sum().IsMonotonic() {
			t.Errorf("temporality %q: counter is %v, want %v", tc.temporality, got, tc.want)
		}
	}
}

func TestLogsBuilderEventCarriesSystemAndNamespace(t *testing.T) {
	tg := NewTarget("mariadb", "db1", 3306, nil)
	lb := NewLogsBuilder(tg, contract.ScopeMySQL)
	lb.Event("shop", contract.EventTopQuery, time.Unix(1, 0))
	lb.Event("", contract.EventTopQuery, time.Unix(1, 0))
	ld := lb.Logs()
	if ld.ResourceLogs().Len() != 1 {
		t.Fatalf("%d resources, want one per server", ld.ResourceLogs().Len())
	}
	lrs := ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
	a := lrs.At(0).Attributes().AsRaw()
	if a[contract.AttrDBSystem] != contract.SystemMySQL || a[contract.AttrNamespace] != "shop" || lrs.At(0).EventName() != contract.EventTopQuery {
		t.Fatalf("record attributes %v", a)
	}
	if _, ok := lrs.At(1).Attributes().Get(contract.AttrNamespace); ok {
		t.Fatal("server-wide event got a namespace")
	}
	if ld.ResourceLogs().At(0).ScopeLogs().At(0).Scope().Version() != "" {
		t.Fatal("unversioned target set a scope version")
	}
}
