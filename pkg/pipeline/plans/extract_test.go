package plans

import (
	"bytes"
	"encoding/json"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/dbintel/dbintel/pkg/contract"
)

var testLimits = limits{maxBytes: 256 << 10, maxDepth: 100}

// pgPlanOf returns the JSON plan inside a testdata file (the message of a
// jsonlog line), for the reference decoder.
func pgPlanOf(t *testing.T, name string) []byte {
	data := readTestdata(t, name)
	if !strings.HasSuffix(name, ".jsonlog") {
		return data
	}
	var entry struct{ Message string }
	if err := json.Unmarshal(data, &entry); err != nil {
		t.Fatal(err)
	}
	return []byte(entry.Message[strings.Index(entry.Message, "{"):])
}

func TestPostgreSQLTestdata(t *testing.T) {
	for _, name := range []string{"pg_seqscan.json", "pg_hashjoin.json", "pg_analyze_buffers_spill.json",
		"pg_analyze_subplan.json", "pg_parallel.json", "pg_auto_explain.jsonlog"} {
		t.Run(name, func(t *testing.T) {
			a := annotate(t, string(readTestdata(t, name)))
			checkPG(t, a, pgReference(t, pgPlanOf(t, name)))
		})
	}
	// The same auto_explain entry as written to csvlog and stderr reads
	// exactly like the jsonlog one.
	want := annotate(t, string(readTestdata(t, "pg_auto_explain.jsonlog"))).AsRaw()
	for _, name := range []string{"pg_auto_explain.csvlog", "pg_auto_explain.stderr"} {
		got := annotate(t, string(readTestdata(t, name))).AsRaw()
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n got %v\nwant %v", name, got, want)
		}
	}
	// What the captured plans are known to say, beyond the reference.
	spill := annotate(t, string(readTestdata(t, "pg_analyze_buffers_spill.json"))).AsRaw()
	if spill[contract.AttrPlanHasSortSpill] != true || spill[contract.AttrPlanTempBlocks].(int64) == 0 || spill[contract.AttrPlanEstimateError] == nil {
		t.Errorf("spilled sort: %v", spill)
	}
	par := annotate(t, string(readTestdata(t, "pg_parallel.json"))).AsRaw()
	if par[contract.AttrPlanHasSeqScan] != true || !slices.Contains(strSlice(t, annotate(t, string(readTestdata(t, "pg_parallel.json"))), contract.AttrPlanNodeTypes), "Gather") {
		t.Errorf("parallel plan: %v", par)
	}
}

func TestMySQLTestdata(t *testing.T) {
	tests := []struct {
		file      string
		cost      any
		rows      int64
		nodes     int64
		depth     int64
		types     []string
		seqScans  []string
		analyzed  bool
		estimate  float64
		nestedLop bool
	}{
		{file: "mysql8_handwritten_join.json", cost: 1183.86, rows: 2010, nodes: 5, depth: 4,
			types: []string{"nested_loop", "ordering_operation", "query_block", "table:ALL", "table:ref"}, seqScans: []string{"c"}, nestedLop: true},
		// MariaDB 10.11: no cost; rows = 200 customers x 5 orders each.
		{file: "mariadb_join.json", rows: 1000, nodes: 4, depth: 3,
			types: []string{"nested_loop", "query_block", "table:ref"}, nestedLop: true},
		// ANALYZE: orders estimated 5 per customer, really 10.
		{file: "mariadb_analyze.json", rows: 1000, nodes: 4, depth: 3,
			types: []string{"nested_loop", "query_block", "table:ref"}, nestedLop: true, analyzed: true, estimate: 2},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			a := annotate(t, string(readTestdata(t, tc.file)))
			raw := a.AsRaw()
			if raw[contract.AttrPlanTotalCost] != tc.cost || raw[contract.AttrPlanRows] != tc.rows || raw[contract.AttrPlanNodeCount] != tc.nodes || raw[contract.AttrPlanDepth] != tc.depth ||
				raw[contract.AttrPlanHasNestedLoop] != tc.nestedLop || raw[contract.AttrPlanSystem] != systemMySQL {
				t.Errorf("got %v", raw)
			}
			if got := strSlice(t, a, contract.AttrPlanNodeTypes); !slices.Equal(got, tc.types) {
				t.Errorf("node_types = %v, want %v", got, tc.types)
			}
			if got := strSlice(t, a, contract.AttrPlanSeqScanRels); !slices.Equal(got, tc.seqScans) {
				t.Errorf("seq_scan_relations = %v, want %v", got, tc.seqScans)
			}
			if _, ok := a.Get(contract.AttrPlanHasSortSpill); ok {
				t.Error("has_sort_spill set, but MySQL-family plans do not report sort methods")
			}
			if _, ok := a.Get(contract.AttrPlanActualTime); ok != tc.analyzed {
				t.Errorf("actual time present = %v, want %v", ok, tc.analyzed)
			}
			if tc.analyzed && raw[contract.AttrPlanEstimateError] != tc.estimate {
				t.Errorf("max_row_estimate_error = %v, want %v", raw[contract.AttrPlanEstimateError], tc.estimate)
			}
		})
	}
}

func hashOf(t *testing.T, data []byte) uint64 {
	t.Helper()
	s, err := extract(data, testLimits)
	if err != nil {
		t.Fatalf("%v\n%s", err, data)
	}
	return s.hash
}

var (
	numberRe = regexp.MustCompile(`(": ?"?)(\d+(\.\d+)?)`)
	condRe   = regexp.MustCompile(`("(Hash Cond|Filter|Index Cond|attached_condition)": ")[^"]*`)
)

func TestHashIsStructural(t *testing.T) {
	for _, name := range []string{"pg_hashjoin.json", "pg_analyze_subplan.json", "mysql8_handwritten_join.json", "mariadb_analyze.json"} {
		t.Run(name, func(t *testing.T) {
			orig := readTestdata(t, name)
			base := hashOf(t, orig)
			// Every figure doubled plus one, every condition's literals
			// replaced: costs, rows, timings, buffers and literals are not shape.
			figures := numberRe.ReplaceAllFunc(orig, func(m []byte) []byte {
				sub := numberRe.FindSubmatch(m)
				return append(slices.Clone(sub[1]), []byte("7"+string(sub[2]))...)
			})
			figures = condRe.ReplaceAll(figures, []byte("${1}(x = 'other literal')"))
			if bytes.Equal(figures, orig) {
				t.Fatal("mutation changed nothing")
			}
			if h := hashOf(t, figures); h != base {
				t.Errorf("hash changed with costs/literals only")
			}
			// Key order is not shape either: re-encode through maps (sorted keys).
			var doc any
			if err := json.Unmarshal(orig, &doc); err != nil {
				t.Fatal(err)
			}
			reordered, _ := json.Marshal(doc)
			if h := hashOf(t, reordered); h != base {
				t.Errorf("hash changed with key order only")
			}
		})
	}
	// Shape changes: index dropped (index scan -> seq scan), join order
	// swapped, a different relation.
	shape := []struct{ file, from, to string }{
		{"mysql8_handwritten_join.json", `"access_type": "ref"`, `"access_type": "ALL"`},
		{"mysql8_handwritten_join.json", `"key": "customer_idx"`, `"key": "other_idx"`},
		{"pg_hashjoin.json", `"Relation Name": "orders"`, `"Relation Name": "orders_archive"`},
		{"pg_hashjoin.json", `"Node Type": "Hash Join"`, `"Node Type": "Merge Join"`},
		{"pg_hashjoin.json", `"Join Type": "Inner"`, `"Join Type": "Left"`},
	}
	for _, s := range shape {
		orig := readTestdata(t, s.file)
		changed := bytes.Replace(orig, []byte(s.from), []byte(s.to), 1)
		if bytes.Equal(orig, changed) {
			t.Fatalf("%s: %q not found", s.file, s.from)
		}
		if hashOf(t, orig) == hashOf(t, changed) {
			t.Errorf("%s: %s -> %s kept the hash", s.file, s.from, s.to)
		}
	}
	// Join order: same two scans, swapped.
	a := `[{"Plan":{"Node Type":"Nested Loop","Plans":[{"Node Type":"Seq Scan","Relation Name":"a"},{"Node Type":"Index Scan","Relation Name":"b","Index Name":"b_pkey"}]}}]`
	b := `[{"Plan":{"Node Type":"Nested Loop","Plans":[{"Node Type":"Index Scan","Relation Name":"b","Index Name":"b_pkey"},{"Node Type":"Seq Scan","Relation Name":"a"}]}}]`
	if hashOf(t, []byte(a)) == hashOf(t, []byte(b)) {
		t.Error("swapped join order kept the hash")
	}
	// Tree shape: a chain is not siblings.
	chain := `[{"Plan":{"Node Type":"Limit","Plans":[{"Node Type":"Sort","Plans":[{"Node Type":"Seq Scan","Relation Name":"a"}]}]}}]`
	flat := `[{"Plan":{"Node Type":"Limit","Plans":[{"Node Type":"Sort"},{"Node Type":"Seq Scan","Relation Name":"a"}]}}]`
	if hashOf(t, []byte(chain)) == hashOf(t, []byte(flat)) {
		t.Error("different tree shape kept the hash")
	}
}

func TestDuplicateKeysAndEscapes(t *testing.T) {
	// MariaDB can repeat keys; every occurrence counts.
	dup := `{"query_block":{"select_id":1,"table":{"table_name":"a","access_type":"ALL","rows":10},"table":{"table_name":"b\u00e9","access_type":"ALL","rows":3,"filtered":50}}}`
	s, err := extract([]byte(dup), testLimits)
	if err != nil {
		t.Fatal(err)
	}
	if s.nodeCount != 3 || !slices.Equal(sortedStrings(s.seqScans), []string{"a", "bé"}) || s.rows != 15 {
		t.Errorf("nodes=%d scans=%q rows=%v", s.nodeCount, sortedStrings(s.seqScans), s.rows)
	}
}

func TestExtractFailures(t *testing.T) {
	deep := strings.Repeat(`{"Plan":`, 200) + `{}` + strings.Repeat(`}`, 200)
	tests := []struct {
		name string
		data string
		lim  limits
		want error
	}{
		{"too large", string(readTestdata(t, "pg_parallel.json")), limits{maxBytes: 1024, maxDepth: 100}, errTooLarge},
		{"too deep", deep, testLimits, errTooDeep},
		{"truncated", string(readTestdata(t, "pg_hashjoin.json")[:700]), testLimits, errParse},
		{"trailing garbage", `[{"Plan":{"Node Type":"Result"}}] x`, testLimits, errParse},
		{"bad literal", `[{"Plan":{"Node Type":"Result","Parallel Aware":flase}}]`, testLimits, errParse},
		{"bad number", `[{"Plan":{"Node Type":"Result","Total Cost":1.2.3}}]`, testLimits, errParse},
		{"control char", "[{\"Plan\":{\"Node Type\":\"Res\x01ult\"}}]", testLimits, errParse},
		{"not a plan", `{"hello":"world"}`, testLimits, errNotAPlan},
		{"empty plan list", `[]`, testLimits, errNotAPlan},
		{"both formats", `{"Plan":{"Node Type":"Result"},"query_block":{"select_id":1}}`, testLimits, errNotAPlan},
		{"text", `duration: 1.0 ms  plan: Seq Scan on t`, testLimits, errParse},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := extract([]byte(tc.data), tc.lim); err != tc.want {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestParseNum(t *testing.T) {
	for _, s := range []string{"0", "1", "-3", "1234.56", "0.001", "12345678901234567890", "1e3", "2.5E-3", "100.00", "9007199254740993.5"} {
		want, _ := json.Number(s).Float64()
		if got, ok := parseNum([]byte(s)); !ok || got != want {
			t.Errorf("parseNum(%s) = %v, %v; want %v", s, got, ok, want)
		}
	}
	for _, s := range []string{"", "-", "1.", ".", "1.2.3", "abc", "54K"} {
		if _, ok := parseNum([]byte(s)); ok {
			t.Errorf("parseNum(%q) ok", s)
		}
	}
}
