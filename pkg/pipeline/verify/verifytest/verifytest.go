// Package verifytest runs the gateway's verifier the way the gateway does,
// for tests elsewhere that must agree with it (the scraper's plan masking).
package verifytest

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/dbintel/dbintel/pkg/contract"
	"github.com/dbintel/dbintel/pkg/pipeline"
	"github.com/dbintel/dbintel/pkg/pipeline/verify"
)

// PlanBody sends plan through a verifier with the default configuration as
// the body of a db.server.query_plan event from a db.system.name system,
// and returns the body it lets through, compacted.
func PlanBody(tb testing.TB, system string, plan []byte) string {
	tb.Helper()
	v, err := verify.New(verify.DefaultConfig(), nil, nil)
	if err != nil {
		tb.Fatal(err)
	}
	b := pipeline.NewBatch()
	rl := b.Logs.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr(contract.AttrDBSystem, system)
	lr := rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
	lr.SetEventName(contract.EventQueryPlan)
	lr.Body().SetStr(string(plan))
	if _, err := v.Process(context.Background(), b); err != nil {
		tb.Fatal(err)
	}
	var out bytes.Buffer
	if err := json.Compact(&out, []byte(lr.Body().Str())); err != nil {
		tb.Fatalf("the verifier's plan is not JSON: %v", err)
	}
	return out.String()
}
