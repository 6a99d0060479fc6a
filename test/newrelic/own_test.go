package newrelic

import (
	"go/ast"
	goparser "go/parser"
	gotoken "go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/dbintel/dbintel/pkg/contract"
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

// contractNames are the string constants of pkg/contract: the names
// dbintel sends.
func contractNames(t testing.TB) map[string]bool {
	t.Helper()
	fset := gotoken.NewFileSet()
	pkgs, err := goparser.ParseDir(fset, filepath.Join(harness.Root(), "pkg", "contract"), func(fi fs.FileInfo) bool {
		return !strings.HasSuffix(fi.Name(), "_test.go")
	}, 0)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, p := range pkgs {
		ast.Inspect(p, func(n ast.Node) bool {
			spec, ok := n.(*ast.ValueSpec)
			if !ok {
				return true
			}
			for _, v := range spec.Values {
				if lit, ok := v.(*ast.BasicLit); ok && lit.Kind == gotoken.STRING {
					if s, err := strconv.Unquote(lit.Value); err == nil {
						names[s] = true
					}
				}
			}
			return true
		})
	}
	if len(names) < 20 {
		t.Fatalf("pkg/contract: only %d string constants found", len(names))
	}
	return names
}

// newRelicNames are what New Relic adds to every record it stores.
var newRelicNames = map[string]bool{
	"entity.name": true, "entity.guid": true, "entity.type": true, "metricName": true, "eventType": true,
	"instrumentation.provider": true, "otel.library.name": true, "otel.library.version": true,
}

// Every event type, event name and attribute dbintel's dashboards read is
// one pkg/contract defines (or one New Relic adds), and the dashboards
// have the import schema of New Relic's own.
func TestOwnDashboardsUseContractNames(t *testing.T) {
	names := contractNames(t)
	types := map[string]bool{"Log": true, "Metric": true}
	for _, ev := range []string{contract.EventTopQuery, contract.EventQuerySample, contract.EventQueryPlan, contract.EventBlocking, contract.EventPlanChange, contract.EventBreaker} {
		types[EventType(ev, nil)] = true
	}
	own := loadOwnDashboards(t)
	if len(own) == 0 {
		t.Fatal("no dashboards in deploy/newrelic")
	}
	for _, d := range own {
		if d.Name == "" || len(d.Pages) == 0 {
			t.Errorf("%s: no name or pages", d.ID)
		}
		for _, v := range d.Variables {
			if v.NRQLQuery == nil || v.NRQLQuery.AccountIDs == nil {
				t.Errorf("%s: variable %s needs nrqlQuery.accountIds ([] is filled in on import)", d.ID, v.Name)
			}
		}
		for _, p := range d.Pages {
			for _, w := range p.Widgets {
				for _, q := range w.RawConfiguration.NRQLQueries {
					if q.AccountIDs == nil || len(q.AccountIDs) != 0 || q.AccountID != nil {
						t.Errorf("%s / %s: want \"accountIds\": [] as New Relic's quickstarts have", d.ID, w.Title)
					}
				}
			}
		}
		for _, w := range d.Widgets() {
			for _, raw := range w.Queries {
				q, err := Parse(raw)
				if err != nil {
					t.Errorf("%s / %s: %v", d.ID, w.Key(), err)
					continue
				}
				u := q.Use()
				for _, et := range u.EventTypes {
					if !types[et] {
						t.Errorf("%s / %s: FROM %s is not a type dbintel's events become", d.ID, w.Key(), et)
					}
				}
				for _, a := range u.Attributes {
					if !names[a] && !newRelicNames[a] && a != contract.AttrEventName {
						t.Errorf("%s / %s: attribute %s is not in pkg/contract", d.ID, w.Key(), a)
					}
				}
				for _, ev := range u.Values[contract.AttrEventName] {
					if !names[ev] {
						t.Errorf("%s / %s: event.name %q is not in pkg/contract", d.ID, w.Key(), ev)
					}
				}
			}
		}
	}
}
