package plans

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/dbintel/dbintel/pkg/contract"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/dbintel/dbintel/pkg/pipeline"
)

// -update rewrites testdata/ from the live database tests.
var update = flag.Bool("update", false, "write plans captured by the live tests into testdata/")

func saveTestdata(t *testing.T, name string, data []byte) {
	t.Helper()
	if !*update {
		return
	}
	if err := os.WriteFile(filepath.Join("testdata", name), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func newTestExtractor(t testing.TB, mod func(*Config)) *Extractor {
	t.Helper()
	cfg := DefaultConfig()
	if mod != nil {
		mod(&cfg)
	}
	e, err := New(cfg, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// planRecord is one db.server.query_plan event with the given body, on a
// resource naming a database.
type planRecord struct {
	body    string
	queryID string
	event   bool
}

func planBatch(db string, recs ...planRecord) pipeline.Batch {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr(contract.AttrDBSystem, contract.SystemPostgreSQL)
	rl.Resource().Attributes().PutStr(contract.AttrServerAddress, "db1.example")
	rl.Resource().Attributes().PutInt(contract.AttrServerPort, 5432)
	rl.Resource().Attributes().PutStr(contract.AttrNamespace, db)
	lrs := rl.ScopeLogs().AppendEmpty().LogRecords()
	for _, r := range recs {
		lr := lrs.AppendEmpty()
		if r.event {
			lr.SetEventName(contract.EventQueryPlan)
		}
		lr.Body().SetStr(r.body)
		if r.queryID != "" {
			lr.Attributes().PutStr(contract.PGQueryID, r.queryID)
		}
	}
	return pipeline.FromLogs(ld)
}

// annotate runs one plan through a fresh extractor and returns its record.
func annotate(t testing.TB, body string) pcommon.Map {
	t.Helper()
	e := newTestExtractor(t, nil)
	b, err := e.Process(t.Context(), planBatch("app", planRecord{body: body, event: true}))
	if err != nil {
		t.Fatal(err)
	}
	return b.Logs.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0).Attributes()
}

func strSlice(t testing.TB, a pcommon.Map, key string) []string {
	t.Helper()
	v, ok := a.Get(key)
	if !ok {
		t.Fatalf("%s missing in %v", key, a.AsRaw())
	}
	var out []string
	for _, e := range v.Slice().All() {
		out = append(out, e.Str())
	}
	return out
}

// pgRef is what a PostgreSQL plan says, read independently of the
// extractor with encoding/json into maps: the oracle the tests compare to.
type pgRef struct {
	totalCost, rows  float64
	nodes, depth     int
	types, seqScans  []string
	nestedLoop       bool
	spill, analyzed  bool
	actualRows       float64
	actualTimeMs     float64
	hit, read, temps float64
}

func pgReference(t testing.TB, data []byte) pgRef {
	t.Helper()
	var doc any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("reference decode: %v", err)
	}
	if arr, ok := doc.([]any); ok {
		doc = arr[0]
	}
	root := doc.(map[string]any)["Plan"].(map[string]any)
	var r pgRef
	num := func(m map[string]any, k string) float64 { f, _ := m[k].(float64); return f }
	r.totalCost, r.rows = num(root, "Total Cost"), num(root, "Plan Rows")
	if _, ok := root["Actual Loops"]; ok {
		r.analyzed = true
		r.actualRows, r.actualTimeMs = num(root, "Actual Rows"), num(root, "Actual Total Time")
		r.hit, r.read = num(root, "Shared Hit Blocks"), num(root, "Shared Read Blocks")
		r.temps = num(root, "Temp Read Blocks") + num(root, "Temp Written Blocks")
	}
	var walk func(n map[string]any, depth int)
	walk = func(n map[string]any, depth int) {
		r.nodes++
		r.depth = max(r.depth, depth)
		typ := n["Node Type"].(string)
		if !slices.Contains(r.types, typ) {
			r.types = append(r.types, typ)
		}
		if typ == "Seq Scan" && !slices.Contains(r.seqScans, n["Relation Name"].(string)) {
			r.seqScans = append(r.seqScans, n["Relation Name"].(string))
		}
		r.nestedLoop = r.nestedLoop || typ == "Nested Loop"
		sorts := []map[string]any{n}
		if ws, ok := n["Workers"].([]any); ok {
			for _, w := range ws {
				sorts = append(sorts, w.(map[string]any))
			}
		}
		for _, s := range sorts {
			if m, _ := s["Sort Method"].(string); len(m) >= 8 && m[:8] == "external" {
				r.spill = true
			}
			if s["Sort Space Type"] == "Disk" {
				r.spill = true
			}
		}
		if kids, ok := n["Plans"].([]any); ok {
			for _, k := range kids {
				walk(k.(map[string]any), depth+1)
			}
		}
	}
	walk(root, 1)
	slices.Sort(r.types)
	slices.Sort(r.seqScans)
	return r
}

// checkPG compares the extractor's attributes with the reference.
func checkPG(t *testing.T, a pcommon.Map, ref pgRef) {
	t.Helper()
	if v, ok := a.Get(contract.AttrPlanError); ok {
		t.Fatalf("error %s", v.Str())
	}
	if got := a.AsRaw()[contract.AttrPlanTotalCost]; got != ref.totalCost {
		t.Errorf("total_cost = %v, plan says %v", got, ref.totalCost)
	}
	if got := a.AsRaw()[contract.AttrPlanRows]; got != int64(ref.rows) {
		t.Errorf("rows = %v, plan says %v", got, ref.rows)
	}
	if got := a.AsRaw()[contract.AttrPlanNodeCount]; got != int64(ref.nodes) {
		t.Errorf("node_count = %v, plan has %d", got, ref.nodes)
	}
	if got := a.AsRaw()[contract.AttrPlanDepth]; got != int64(ref.depth) {
		t.Errorf("depth = %v, plan has %d", got, ref.depth)
	}
	if got := strSlice(t, a, contract.AttrPlanNodeTypes); !slices.Equal(got, ref.types) {
		t.Errorf("node_types = %v, plan has %v", got, ref.types)
	}
	if got := a.AsRaw()[contract.AttrPlanHasSeqScan]; got != (len(ref.seqScans) > 0) {
		t.Errorf("has_seq_scan = %v, seq scans %v", got, ref.seqScans)
	}
	if got := strSlice(t, a, contract.AttrPlanSeqScanRels); !slices.Equal(got, ref.seqScans) && len(got)+len(ref.seqScans) > 0 {
		t.Errorf("seq_scan_relations = %v, plan has %v", got, ref.seqScans)
	}
	if got := a.AsRaw()[contract.AttrPlanHasNestedLoop]; got != ref.nestedLoop {
		t.Errorf("has_nested_loop = %v, plan says %v", got, ref.nestedLoop)
	}
	_, hasActual := a.Get(contract.AttrPlanActualTime)
	if hasActual != ref.analyzed {
		t.Fatalf("actual time present = %v, plan analyzed = %v", hasActual, ref.analyzed)
	}
	if !ref.analyzed {
		return
	}
	if got := a.AsRaw()[contract.AttrPlanHasSortSpill]; got != ref.spill {
		t.Errorf("has_sort_spill = %v, plan says %v", got, ref.spill)
	}
	if got := a.AsRaw()[contract.AttrPlanActualTime]; got != ref.actualTimeMs/1000 {
		t.Errorf("actual_total_time_s = %v, plan says %v ms", got, ref.actualTimeMs)
	}
	if got := a.AsRaw()[contract.AttrPlanActualRows]; got != int64(ref.actualRows) {
		t.Errorf("actual_rows = %v, plan says %v", got, ref.actualRows)
	}
	if _, ok := a.Get(contract.AttrPlanSharedHit); ok {
		raw := a.AsRaw()
		if raw[contract.AttrPlanSharedHit] != int64(ref.hit) || raw[contract.AttrPlanSharedRead] != int64(ref.read) || raw[contract.AttrPlanTempBlocks] != int64(ref.temps) {
			t.Errorf("buffers = %v/%v/%v, plan says %v/%v/%v", raw[contract.AttrPlanSharedHit], raw[contract.AttrPlanSharedRead], raw[contract.AttrPlanTempBlocks], ref.hit, ref.read, ref.temps)
		}
	}
}
