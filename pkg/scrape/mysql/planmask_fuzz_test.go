package mysql

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/dbintel/dbintel/pkg/sqlmask"
)

// FuzzMaskPlan: plans come from the server; whatever the bytes, maskPlan
// must not panic, and what it accepts it returns as valid JSON with no
// literal left in a condition. The seeds reach the masking path (a
// condition with a string literal).
func FuzzMaskPlan(f *testing.F) {
	seed, err := os.ReadFile("testdata/mysql8_handwritten_explain_join.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add([]byte(`{"query_block":{"table":{"attached_condition":"t.a = 'zzsecret'"},"table":{"index_condition":"t.b > 42"}}}`))
	f.Add([]byte(`[1,"x",{"a":null}]`))
	obf := sqlmask.New("mysql")
	f.Fuzz(func(t *testing.T, in []byte) {
		out, err := maskPlan(in, obf)
		if err != nil {
			return
		}
		if !json.Valid(out) {
			t.Fatalf("invalid output %q from %q", out, in)
		}
		if strings.Contains(string(in), `"attached_condition":"t.a = 'zzsecret'"`) && strings.Contains(string(out), "zzsecret") {
			t.Fatalf("literal survived: %s", out)
		}
	})
}
