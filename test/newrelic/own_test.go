package newrelic

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbintel/dbintel/test/harness"
)

// loadOwnDashboards reads dbintel's dashboards from deploy/newrelic.
func loadOwnDashboards(t testing.TB) []*Dashboard {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(harness.Root(), "deploy", "newrelic", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	var out []*Dashboard
	for _, p := range paths {
		d, err := LoadDashboard(p, "dbintel:"+strings.TrimSuffix(filepath.Base(p), ".json"))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, d)
	}
	return out
}
