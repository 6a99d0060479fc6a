package postgres

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"regexp"
	"testing"

	"github.com/dbintel/dbintel/pkg/pipeline"
	"github.com/dbintel/dbintel/pkg/pipeline/verify"
	"github.com/dbintel/dbintel/pkg/sqlmask"
)

// TestPlanMaskedAlikeByScraperAndGateway: the scraper and the gateway's
// verifier mask the same PostgreSQL plan to the same bytes (once compacted),
// for a plan that holds a literal in every field that can carry one; and a
// plan the scraper masked passes the gateway unchanged.
func TestPlanMaskedAlikeByScraperAndGateway(t *testing.T) {
	raw, err := os.ReadFile("../../sqlmask/testdata/plans/postgres_all_keys.json")
	if err != nil {
		t.Fatal(err)
	}
	scraped, text, op, err := maskPlan(raw, sqlmask.New("postgresql"))
	if err != nil || op != "SELECT" || text == "" {
		t.Fatalf("maskPlan: text %q op %q err %v", text, op, err)
	}
	if l := regexp.MustCompile(`sec_[a-z]+|31337|bob_secret_42|2026-01-01`).FindAllString(string(scraped)+text, -1); len(l) > 0 {
		t.Fatalf("scraper left %q in %s", l, scraped)
	}
	if got := gatewayMask(t, raw); got != string(scraped) {
		t.Errorf("scraper and gateway differ:\nscraper %s\ngateway %s", scraped, got)
	}
	if got := gatewayMask(t, scraped); got != string(scraped) {
		t.Errorf("gateway changed a scraper-masked plan:\n%s\n%s", scraped, got)
	}
}

// gatewayMask runs plan through the gateway's verifier as a
// db.server.query_plan event and returns the body, compacted.
func gatewayMask(t *testing.T, plan []byte) string {
	t.Helper()
	v, err := verify.New(verify.DefaultConfig(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	b := pipeline.NewBatch()
	rl := b.Logs.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("db.system.name", "postgresql")
	lr := rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
	lr.SetEventName("db.server.query_plan")
	lr.Body().SetStr(string(plan))
	if _, err := v.Process(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := json.Compact(&out, []byte(lr.Body().Str())); err != nil {
		t.Fatalf("gateway output is not JSON: %v", err)
	}
	return out.String()
}
