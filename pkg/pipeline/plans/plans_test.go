package plans

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dbintel/dbintel/pkg/contract"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/dbintel/dbintel/pkg/pipeline"
)

func process(t *testing.T, e *Extractor, b pipeline.Batch) pipeline.Batch {
	t.Helper()
	in := b.Counts()
	out, err := e.Process(t.Context(), b)
	if err != nil {
		t.Fatal(err)
	}
	if out.Counts().Records < in.Records {
		t.Fatalf("records lost: %d -> %d", in.Records, out.Counts().Records)
	}
	return out
}

// changeEvents returns the plan_change events of a batch.
func changeEvents(b pipeline.Batch) []plog.LogRecord {
	var evs []plog.LogRecord
	for _, rl := range b.Logs.ResourceLogs().All() {
		for _, sl := range rl.ScopeLogs().All() {
			for _, lr := range sl.LogRecords().All() {
				if lr.EventName() == contract.EventPlanChange {
					evs = append(evs, lr)
				}
			}
		}
	}
	return evs
}

func TestPlanChangeDetection(t *testing.T) {
	reg := prometheus.NewRegistry()
	e, err := New(Config{Enabled: true, MaxPlanBytes: 1 << 20, MaxDepth: 100, ChangeCacheSize: 2}, reg, nil)
	if err != nil {
		t.Fatal(err)
	}
	indexPlan := string(readTestdata(t, "mysql8_handwritten_join.json"))
	scanPlan := strings.Replace(indexPlan, `"access_type": "ref"`, `"access_type": "ALL"`, 1)
	cheaper := strings.Replace(indexPlan, `"query_cost": "1183.86"`, `"query_cost": "99.5"`, 1)

	// First sight: remembered, no event. Same shape at another cost: no event.
	b := process(t, e, planBatch("shop", planRecord{body: indexPlan, queryID: "q1", event: true}, planRecord{body: cheaper, queryID: "q1", event: true}))
	if n := len(changeEvents(b)); n != 0 {
		t.Fatalf("%d events for an unchanged shape", n)
	}
	// Same query id on another database is another query.
	b = process(t, e, planBatch("billing", planRecord{body: scanPlan, queryID: "q1", event: true}))
	if n := len(changeEvents(b)); n != 0 {
		t.Fatalf("%d events across databases", n)
	}
	// The shape changes on shop: one event, on the shop resource, with
	// both hashes and costs.
	b = process(t, e, planBatch("shop", planRecord{body: scanPlan, queryID: "q1", event: true}))
	evs := changeEvents(b)
	if len(evs) != 1 {
		t.Fatalf("%d events, want 1", len(evs))
	}
	rl := b.Logs.ResourceLogs().At(0)
	if ns, _ := rl.Resource().Attributes().Get(contract.AttrNamespace); ns.Str() != "shop" || rl.ScopeLogs().At(1).Scope().Name() != contract.ScopeGateway {
		t.Fatalf("event not in the shop resource's own scope")
	}
	newHash, _ := rl.ScopeLogs().At(0).LogRecords().At(0).Attributes().Get(contract.AttrPlanHash)
	a := evs[0].Attributes().AsRaw()
	if a[contract.PGQueryID] != "q1" || a[contract.AttrPlanHash] != newHash.Str() || a[contract.AttrPlanPreviousHash] == newHash.Str() || a[contract.AttrPlanPreviousHash] == "" ||
		a[contract.AttrPlanPreviousCost] != 99.5 || a[contract.AttrPlanTotalCost] != 1183.86 || a[contract.AttrEventName] != contract.EventPlanChange {
		t.Fatalf("event attributes %v", a)
	}
	if got := testutil.ToFloat64(e.m.changes); got != 1 {
		t.Errorf("changes_total = %v", got)
	}
	recent := e.RecentChanges()
	if len(recent) != 1 || recent[0].QueryID != "q1" || recent[0].NewHash != newHash.Str() || recent[0].OldCost != 99.5 ||
		!strings.HasSuffix(recent[0].Database, "/shop") {
		t.Errorf("recent changes = %+v", recent)
	}
	// Capacity 2 (shop/q1, billing/q1): a third query evicts one.
	process(t, e, planBatch("shop", planRecord{body: indexPlan, queryID: "q2", event: true}))
	if got := testutil.ToFloat64(e.m.evictions); got != 1 {
		t.Errorf("cache_evictions_total = %v, want 1", got)
	}
	if got := testutil.ToFloat64(e.m.parsed[systemMySQL]); got != 5 {
		t.Errorf("parsed{mysql} = %v, want 5", got)
	}
}

func TestRecordsPassThrough(t *testing.T) {
	plan := string(readTestdata(t, "pg_hashjoin.json"))
	tests := []struct {
		name    string
		rec     planRecord
		wantErr string // db.query.plan.error, "" for none
		parsed  bool
	}{
		{"declared plan", planRecord{body: plan, event: true}, "", true},
		{"undeclared plan body", planRecord{body: plan}, "", true},
		{"stderr auto_explain line", planRecord{body: "2026-11-25 18:46:37 UTC [1] LOG:  duration: 0.051 ms  plan:\n" + plan}, "", true},
		{"ordinary log", planRecord{body: "connection received: host=10.0.0.1 port=5432"}, "", false},
		{"ordinary JSON log", planRecord{body: `{"level":"info","msg":"Plan updated"}`}, "", false},
		{"declared but garbage", planRecord{body: "not json", event: true}, reasonParse, false},
		{"undeclared broken plan", planRecord{body: plan[:len(plan)/2]}, reasonParse, false},
		{"declared too large", planRecord{body: plan + strings.Repeat(" ", 300<<10), event: true}, reasonTooLarge, false},
		{"declared too deep", planRecord{body: `[{"Plan":{"Node Type":"Result","Output":` + strings.Repeat("[", 500) + strings.Repeat("]", 500) + "}}]", event: true}, reasonTooLarge, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := process(t, newTestExtractor(t, nil), planBatch("app", tc.rec))
			lr := b.Logs.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0)
			if lr.Body().Str() != tc.rec.body {
				t.Fatal("body changed")
			}
			got, _ := lr.Attributes().Get(contract.AttrPlanError)
			if got.Str() != tc.wantErr {
				t.Errorf("error = %q, want %q", got.Str(), tc.wantErr)
			}
			if _, ok := lr.Attributes().Get(contract.AttrPlanHash); ok != tc.parsed {
				t.Errorf("hash present = %v, want %v", ok, tc.parsed)
			}
		})
	}
}

func TestEventNameAttributeAndBodyAttribute(t *testing.T) {
	plan := string(readTestdata(t, "pg_seqscan.json"))
	e := newTestExtractor(t, func(c *Config) { c.BodyAttribute = "db.query.plan.json" })
	b := planBatch("app", planRecord{body: "plan captured"}, planRecord{body: "not json"}, planRecord{body: plan})
	recs := b.Logs.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
	recs.At(0).Attributes().PutStr("db.query.plan.json", plan)                      // plan in the attribute
	recs.At(1).Attributes().PutStr(contract.AttrEventName, contract.EventQueryPlan) // declared by attribute
	b = process(t, e, b)
	if _, ok := recs.At(0).Attributes().Get(contract.AttrPlanHash); !ok {
		t.Error("plan in body_attribute not parsed")
	}
	if v, _ := recs.At(1).Attributes().Get(contract.AttrPlanError); v.Str() != reasonParse {
		t.Error("event declared by event.name attribute not treated as a plan")
	}
	if _, ok := recs.At(2).Attributes().Get(contract.AttrPlanHash); !ok {
		t.Error("record without the attribute not read from its body")
	}
}

func TestBytesBody(t *testing.T) {
	b := planBatch("app", planRecord{event: true}, planRecord{event: true})
	recs := b.Logs.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
	recs.At(0).Body().SetEmptyBytes().FromRaw(readTestdata(t, "pg_seqscan.json"))
	recs.At(1).Body().SetEmptyBytes()
	process(t, newTestExtractor(t, nil), b)
	if _, ok := recs.At(0).Attributes().Get(contract.AttrPlanHash); !ok {
		t.Error("bytes body not parsed")
	}
	if v, _ := recs.At(1).Attributes().Get(contract.AttrPlanError); v.Str() != reasonParse {
		t.Errorf("empty bytes body: error %q, want parse", v.Str())
	}
}

func TestStructuredBody(t *testing.T) {
	var doc any
	if err := json.Unmarshal(readTestdata(t, "pg_hashjoin.json"), &doc); err != nil {
		t.Fatal(err)
	}
	b := planBatch("app", planRecord{event: true})
	lr := b.Logs.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0)
	if err := lr.Body().SetEmptySlice().FromRaw(doc.([]any)); err != nil {
		t.Fatal(err)
	}
	process(t, newTestExtractor(t, nil), b)
	want := annotate(t, string(readTestdata(t, "pg_hashjoin.json"))).AsRaw()[contract.AttrPlanHash]
	if got, _ := lr.Attributes().Get(contract.AttrPlanHash); got.Str() != want {
		t.Errorf("structured body hash %q, text body hash %v", got.Str(), want)
	}
}

func TestDisabledAndOtherSignals(t *testing.T) {
	plan := string(readTestdata(t, "pg_seqscan.json"))
	b := planBatch("app", planRecord{body: plan, event: true})
	before := b.Logs.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0).Attributes().Len()
	process(t, newTestExtractor(t, func(c *Config) { c.Enabled = false }), b)
	if after := b.Logs.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0).Attributes().Len(); after != before {
		t.Error("disabled stage changed a record")
	}
	// Metrics and traces go through untouched.
	full := pipeline.NewBatch()
	full.Metrics.ResourceMetrics().AppendEmpty().ScopeMetrics().AppendEmpty().Metrics().AppendEmpty().SetEmptyGauge().DataPoints().AppendEmpty().SetIntValue(1)
	sp := full.Traces.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans().AppendEmpty()
	sp.Attributes().PutStr("db.query.plan", plan)
	out := process(t, newTestExtractor(t, nil), full)
	if out.Counts() != (pipeline.Counts{Points: 1, Spans: 1}) || out.Traces.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0).Attributes().Len() != 1 {
		t.Error("metrics or traces changed")
	}
}

func TestMetricsRegistered(t *testing.T) {
	reg := prometheus.NewRegistry()
	e, err := New(DefaultConfig(), reg, nil)
	if err != nil {
		t.Fatal(err)
	}
	process(t, e, planBatch("app", planRecord{body: "{", event: true}, planRecord{body: string(readTestdata(t, "pg_seqscan.json")), event: true}))
	want := `
# HELP dbintel_plans_errors_total Plans left unparsed and passed through with db.query.plan.error, by reason (too_large, parse).
# TYPE dbintel_plans_errors_total counter
dbintel_plans_errors_total{reason="parse"} 1
dbintel_plans_errors_total{reason="too_large"} 0
# HELP dbintel_plans_parsed_total Query plans parsed, by database system (postgresql, mysql — MariaDB counts as mysql).
# TYPE dbintel_plans_parsed_total counter
dbintel_plans_parsed_total{system="mysql"} 0
dbintel_plans_parsed_total{system="postgresql"} 1
`
	if err := testutil.GatherAndCompare(reg, bytes.NewBufferString(want), "dbintel_plans_errors_total", "dbintel_plans_parsed_total"); err != nil {
		t.Error(err)
	}
	if _, err := New(DefaultConfig(), reg, nil); err == nil {
		t.Error("second registration on one registry accepted")
	}
}

func TestRecentChangesAreBoundedNewestFirst(t *testing.T) {
	var r recent
	for i := range recentLimit + 7 {
		r.add([]change{{q: query{source: "db", id: strconv.Itoa(i)}}}, time.Unix(int64(i), 0))
	}
	e := &Extractor{}
	e.recent.list = r.list
	got := e.RecentChanges()
	if len(got) != recentLimit || got[0].QueryID != strconv.Itoa(recentLimit+6) || got[len(got)-1].QueryID != "7" {
		t.Fatalf("kept %d, newest %q, oldest %q", len(got), got[0].QueryID, got[len(got)-1].QueryID)
	}
}
