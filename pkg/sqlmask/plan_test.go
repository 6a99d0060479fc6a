package sqlmask

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// leaked finds the literals planted in testdata/plans: every expression
// field holds one.
var leaked = regexp.MustCompile(`sec_[a-z]+|31337|bob_secret_42|2026-01-01`)

// kept finds the names planted in fields that are not expressions.
var kept = regexp.MustCompile(`keep_[a-z0-9_]+`)

func readPlans(t testing.TB) map[string]string {
	t.Helper()
	files, _ := filepath.Glob("testdata/plans/*.json")
	if len(files) == 0 {
		t.Fatal("no plans in testdata/plans")
	}
	out := map[string]string{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(f)] = string(b)
	}
	return out
}

func TestMaskPlan(t *testing.T) {
	for name, raw := range readPlans(t) {
		t.Run(name, func(t *testing.T) {
			o := pg
			if strings.HasPrefix(name, "mysql") || strings.HasPrefix(name, "mariadb") {
				o = New("mysql")
			}
			out := o.MaskPlan(raw)
			if l := leaked.FindAllString(out, -1); len(l) > 0 {
				t.Errorf("literals left: %q\n%s", l, out)
			}
			if want, got := kept.FindAllString(raw, -1), kept.FindAllString(out, -1); strings.Join(want, ",") != strings.Join(got, ",") {
				t.Errorf("names changed: %q -> %q", want, got)
			}
			if !json.Valid([]byte(out)) {
				t.Errorf("invalid JSON:\n%s", out)
			}
			if again := o.MaskPlan(out); again != out {
				t.Errorf("second pass changed the plan:\n%s\n%s", out, again)
			}
			// The map walker applies the same rule to the same plan.
			var v map[string]any
			if err := json.Unmarshal([]byte(raw), &v); err != nil {
				t.Fatal(err)
			}
			m := pcommon.NewMap()
			if err := m.FromRaw(v); err != nil {
				t.Fatal(err)
			}
			MaskPlanMap(m, o.Mask)
			var fromText map[string]any
			if err := json.Unmarshal([]byte(out), &fromText); err != nil {
				t.Fatal(err)
			}
			a, _ := json.Marshal(fromText)
			b, _ := json.Marshal(m.AsRaw())
			if string(a) != string(b) {
				t.Errorf("map walker differs from text walker:\n%s\n%s", a, b)
			}
		})
	}
}

func TestIsExprKey(t *testing.T) {
	for _, k := range []string{"Filter", "Index Cond", "Recheck Cond", "TID Cond", "Hash Cond", "Merge Cond", "Join Filter",
		"One-Time Filter", "Conflict Filter", "Sort Key", "Presorted Key", "Group Key", "Hash Key", "Cache Key", "Partition Key",
		"Group Keys", "Hash Keys", "Grouping Sets", "Run Condition", "Order By", "Output", "Function Call", "Table Function Call",
		"Window", "Sampling Parameters", "Repeatable Seed", "Remote SQL", "Query Text", "Query Parameters",
		"attached_condition", "index_condition", "pushed_condition", "pushed_index_condition", "having_condition",
		"outer_ref_condition", "condition", "hash_condition", "lookup_condition", "filesort_key", "sort_key", "sort_fields",
		"ranges", "operation", "query"} {
		if !IsExprKey(k) {
			t.Errorf("%q is an expression field", k)
		}
	}
	for _, k := range []string{"Node Type", "Relation Name", "Index Name", "Alias", "Schema", "Total Cost", "Plan Rows",
		"Strategy", "Operation", "Subplan Name", "Conflict Arbiter Indexes", "Function Name", "Sampling Method", "Plans",
		"table_name", "key", "possible_keys", "used_key_parts", "ref", "rows_examined_per_scan", "message", "access_type",
		"index_name", "functions"} {
		if IsExprKey(k) {
			t.Errorf("%q is not an expression field", k)
		}
	}
}

// TestMaskPlanTolerant: a plan behind a log prefix, truncated, or with a
// bad escape is masked as far as it can be read; what cannot be decoded is
// replaced whole.
func TestMaskPlanTolerant(t *testing.T) {
	for _, in := range []string{
		"duration: 1.5 ms  plan:\n{\"Plan\": {\"Filter\": \"(a = 'sec_prefix')\"}}",
		`{"Plan": {"Filter": "(a = 'sec_trunc')", "Plans": [{"Index Cond": "(b = 'sec_more')"`,
		`{"Filter": "(a = 'sec_escape' \x)"}`,
		`]]]}}}{"Filter": "(a = 'sec_unbalanced')"}`,
	} {
		if out := pg.MaskPlan(in); leaked.MatchString(out) {
			t.Errorf("%q -> %q", in, out)
		}
	}
}

// TestMaskPlanDeep: a million levels cost a counter, not stack; past
// MaxDepth every string is masked, whatever its key.
func TestMaskPlanDeep(t *testing.T) {
	for _, in := range []string{
		"{" + strings.Repeat("[", 1_000_000) + `"x = 'sec_deep'"` + strings.Repeat("]", 1_000_000) + "}",
		strings.Repeat(`{"a":[`, 10_000) + `{"Node Type": "x = 'sec_deep'"}` + strings.Repeat(`]}`, 10_000),
	} {
		out := pg.MaskPlan(in)
		if leaked.MatchString(out) || len(out) > len(in) {
			t.Fatalf("deep plan: %d bytes in, %d out, leaked %v", len(in), len(out), leaked.MatchString(out))
		}
	}
	m := pcommon.NewMap()
	cur := m
	for range MaxDepth + 10 {
		cur = cur.PutEmptyMap("a")
	}
	cur.PutStr("Node Type", "x = 'sec_deep'")
	MaskPlanMap(m, pg.Mask)
	if v, _ := cur.Get("Node Type"); leaked.MatchString(v.Str()) {
		t.Fatalf("deep map value left: %q", v.Str())
	}
}

// FuzzMaskPlan: whatever the bytes, no panic; valid JSON stays valid;
// masking twice changes nothing; a literal planted in a Filter never
// survives. The seeds are the plans of testdata/plans, so every key rule
// is reached.
func FuzzMaskPlan(f *testing.F) {
	for _, raw := range readPlans(f) {
		f.Add(raw, "sec_fuzz")
	}
	f.Add(`{"a":[{"b":"c"}]}`, "zzsecret")
	f.Fuzz(func(t *testing.T, plan, secret string) {
		out := pg.MaskPlan(plan)
		if json.Valid([]byte(plan)) && !json.Valid([]byte(out)) {
			t.Fatalf("valid plan became invalid: %q -> %q", plan, out)
		}
		if again := pg.MaskPlan(out); again != out {
			t.Fatalf("not idempotent: %q -> %q -> %q", plan, out, again)
		}
		if len(secret) < 6 || strings.IndexFunc(secret, func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9') }) >= 0 {
			return
		}
		planted := `{"Plan":{"Filter":"(a = '` + secret + `'::text)","Plans":[` + out + `]}}`
		if got := pg.MaskPlan(planted); strings.Contains(got[:strings.Index(got, `"Plans"`)], secret) {
			t.Fatalf("planted literal survived: %s", got)
		}
	})
}
