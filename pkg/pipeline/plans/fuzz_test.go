package plans

import (
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"

	"github.com/dbintel/dbintel/pkg/contract"
	"go.opentelemetry.io/collector/pdata/pcommon"
)

// FuzzExtract feeds arbitrary bytes to the plan parser: it must not panic,
// must give the same answer twice, and must stop at its limits (its work is
// linear in the input, which the size limit bounds). Every captured plan is
// a seed and must parse, which proves the fuzzer starts inside the parser
// rather than at its front door.
func FuzzExtract(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*_*.*")) // every plan, not README.md
	if err != nil || len(files) == 0 {
		f.Fatalf("no seeds: %v", err)
	}
	seeds := map[string]bool{}
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		seeds[string(data)] = true
		f.Add(data)
	}
	f.Add([]byte(`[{"Plan":{"Node Type":"Result","Plans":[{"Node Type":"Seq Scan","Relation Name":"a\u0000\ud800"}]}}]`))
	f.Add([]byte(`{"query_block":{"nested_loop":[{"table":{"table_name":"t","access_type":"ALL"}},{"table":{}}],"table":1}}`))
	f.Add([]byte("duration: 1 ms  plan:\n{\"Plan\":{\"Node Type\":\"Result\",\"Total Cost\":1e400}}"))
	lim := limits{maxBytes: 64 << 10, maxDepth: 64}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := extract(data, lim)
		if seeds[string(data)] && err != nil {
			t.Fatalf("seed plan did not parse: %v", err)
		}
		s2, err2 := extract(data, lim)
		if (err == nil) != (err2 == nil) || (s != nil && s.hash != s2.hash) {
			t.Fatal("parse is not deterministic")
		}
		if err != nil {
			return
		}
		if s.nodeCount < 1 || s.depth < 1 || s.depth > s.nodeCount {
			t.Fatalf("inconsistent summary: nodes %d depth %d", s.nodeCount, s.depth)
		}
		a := pcommon.NewMap()
		putSummary(a, s) // attribute writing must not panic either
		for _, key := range []string{contract.AttrPlanNodeTypes, contract.AttrPlanSeqScanRels} {
			v, _ := a.Get(key)
			for _, e := range v.Slice().All() {
				if !utf8.ValidString(e.Str()) {
					t.Fatalf("%s holds invalid UTF-8 %q", key, e.Str())
				}
			}
		}
	})
}
