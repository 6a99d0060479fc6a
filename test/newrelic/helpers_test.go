package newrelic

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

const testAccount = 1

// testdata is this package's testdata directory (test/harness changes the
// working directory to the module root).
func testdata(elem ...string) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(append([]string{filepath.Dir(file), "testdata"}, elem...)...)
}

func loadReference(t testing.TB) (map[string][]*Definition, map[string][]*Dashboard) {
	t.Helper()
	defs, dashes, err := LoadReference(testdata())
	if err != nil {
		t.Fatal(err)
	}
	return defs, dashes
}

func loadReferenceDashboards(t testing.TB) []*Dashboard {
	t.Helper()
	_, dashes := loadReference(t)
	var out []*Dashboard
	for _, sys := range []string{"postgresql", "mysql"} {
		out = append(out, dashes[sys]...)
	}
	if len(out) != 6 {
		t.Fatalf("want 4 reference dashboards and 2 golden metric sets, got %d", len(out))
	}
	return out
}

// loadFixture reads an entity-definitions tests/*.json file: New Relic
// records as stored, the event type in eventType or the file name, metric
// values as {"type": ..., "latest"/"count"/...}.
func loadFixture(t testing.TB, path string) []Event {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var raw []map[string]any
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	typ := strings.SplitN(filepath.Base(path), ".", 2)[0]
	var out []Event
	for _, r := range raw {
		e := Event{Type: typ, Attrs: map[string]any{}}
		if et, ok := r["eventType"].(string); ok {
			e.Type = et
		}
		for k, v := range r {
			if k == "eventType" {
				continue
			}
			if obj, ok := v.(map[string]any); ok {
				mt, _ := obj["type"].(string)
				val, ok := obj["latest"].(float64)
				if !ok {
					val, _ = obj["count"].(float64)
				}
				e.Attrs[k] = MetricValue{Type: mt, Value: val}
				continue
			}
			e.Attrs[k] = v
		}
		out = append(out, e)
	}
	return out
}
