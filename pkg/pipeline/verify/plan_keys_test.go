package verify

import (
	"context"
	"strings"
	"testing"

	"github.com/dbintel/dbintel/pkg/pipeline"
)

// TestPlanHashKeyMasked: a literal in a Hash Key (Memoize, hashed SetOp)
// used to pass the gateway unmasked because its key list lacked the field.
func TestPlanHashKeyMasked(t *testing.T) {
	v, _ := newTest(t, nil)
	b := pipeline.NewBatch()
	lr := b.Logs.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
	lr.SetEventName(planEvent)
	lr.Body().SetStr(`{"Plan":{"Node Type":"Hash","Hash Key":"(c.email = 'bob_secret_42')","Plans":[]}}`)
	if _, err := v.Process(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	if got := lr.Body().Str(); strings.Contains(got, "bob_secret_42") {
		t.Fatalf("Hash Key literal passed: %s", got)
	}
}
