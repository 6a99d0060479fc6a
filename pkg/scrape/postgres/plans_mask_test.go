package postgres

import (
	"os"
	"regexp"
	"testing"

	"github.com/dbintel/dbintel/pkg/pipeline/verify/verifytest"
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
	if got := verifytest.PlanBody(t, "postgresql", raw); got != string(scraped) {
		t.Errorf("scraper and gateway differ:\nscraper %s\ngateway %s", scraped, got)
	}
	if got := verifytest.PlanBody(t, "postgresql", scraped); got != string(scraped) {
		t.Errorf("gateway changed a scraper-masked plan:\n%s\n%s", scraped, got)
	}
}
