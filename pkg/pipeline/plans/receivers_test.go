package plans

import (
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/dbintel/dbintel/pkg/contract"
	"github.com/dbintel/dbintel/pkg/pipeline"
)

// TestReceiversLayout: New Relic's receivers put the plan in an attribute
// (postgresql.query_plan on top_query events, mysql.query_plan wrapped in
// an array on query_plan events), the query id in their own attribute and
// db.namespace on the record. The plan is summarised there, and a changed
// plan's event repeats the record's id attribute and namespace and rides
// in the gateway's scope on the source's resource.
func TestReceiversLayout(t *testing.T) {
	pgPlan := func(scan string) string {
		return `[{"Plan":{"Node Type":"` + scan + `","Relation Name":"employee","Alias":"e","Total Cost":21.5,"Plan Rows":290}}]`
	}
	myPlan := func(access string) string {
		return `[{"query_block":{"select_id":1,"cost_info":{"query_cost":"1000.25"},"table":{"table_name":"t","access_type":"` + access + `","rows_produced_per_join":2703}}}]`
	}
	batch := func(system, event, idAttr, planAttr, plan string) pipeline.Batch {
		ld := plog.NewLogs()
		rl := ld.ResourceLogs().AppendEmpty()
		rl.Resource().Attributes().PutStr(contract.AttrDBSystem, system)
		rl.Resource().Attributes().PutStr(contract.AttrServiceInstanceID, "db1:5432")
		lr := rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
		lr.SetEventName(event)
		lr.Attributes().PutStr(contract.AttrNamespace, "shop")
		lr.Attributes().PutStr(idAttr, "114514")
		lr.Attributes().PutStr(planAttr, plan)
		return pipeline.FromLogs(ld)
	}
	for _, tc := range []struct {
		system, event, idAttr, planAttr string
		before, after                   string
	}{
		{contract.SystemPostgreSQL, contract.EventTopQuery, contract.PGQueryID, contract.PGQueryPlan, pgPlan("Index Scan"), pgPlan("Seq Scan")},
		{contract.SystemMySQL, contract.EventQueryPlan, contract.MySQLDigest, contract.MySQLQueryPlan, myPlan("ref"), myPlan("ALL")},
	} {
		t.Run(tc.system, func(t *testing.T) {
			e := newTestExtractor(t, nil)
			first := process(t, e, batch(tc.system, tc.event, tc.idAttr, tc.planAttr, tc.before))
			rec := first.Logs.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0)
			if _, ok := rec.Attributes().Get(contract.AttrPlanHash); !ok {
				t.Fatalf("plan in %s not summarised: %v", tc.planAttr, rec.Attributes().AsRaw())
			}
			out := process(t, e, batch(tc.system, tc.event, tc.idAttr, tc.planAttr, tc.after))
			evs := changeEvents(out)
			if len(evs) != 1 {
				t.Fatalf("%d plan_change events, want 1", len(evs))
			}
			sl := out.Logs.ResourceLogs().At(0).ScopeLogs().At(1)
			a := evs[0].Attributes().AsRaw()
			if sl.Scope().Name() != contract.ScopeGateway || a[tc.idAttr] != "114514" || a[contract.AttrNamespace] != "shop" {
				t.Errorf("scope %q, attributes %v", sl.Scope().Name(), a)
			}
			got := e.RecentChanges()
			if len(got) != 1 || !strings.HasSuffix(got[0].Database, "/shop") || got[0].QueryID != "114514" {
				t.Errorf("recent %+v", got)
			}
		})
	}
}
