package postgres

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/dbintel/dbintel/pkg/scrape"
)

var updateDocs = flag.Bool("update-docs", false, "rewrite docs/postgres-metrics.md")

const docsPath = "../../../docs/postgres-metrics.md"

// TestMetricsDocUpToDate keeps the metric table in docs/ equal to the code
// (go test ./pkg/scrape/postgres -run MetricsDoc -update-docs rewrites it).
func TestMetricsDocUpToDate(t *testing.T) {
	doc, err := os.ReadFile(docsPath)
	if err != nil && !*updateDocs {
		t.Fatal(err)
	}
	const begin, end = "<!-- metrics:begin -->\n", "<!-- metrics:end -->"
	table := begin + metricsTable() + end
	s := string(doc)
	i, j := strings.Index(s, begin), strings.Index(s, end)
	if i < 0 || j < 0 {
		t.Fatalf("%s lacks the metrics markers", docsPath)
	}
	want := s[:i] + table + s[j+len(end):]
	if want == s {
		return
	}
	if *updateDocs {
		if err := os.WriteFile(docsPath, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Fatalf("%s is out of date: run go test ./pkg/scrape/postgres -run MetricsDoc -update-docs", docsPath)
}

func metricsTable() string {
	kinds := map[scrape.Kind]string{scrape.Gauge: "gauge", scrape.Counter: "sum (monotonic; cumulative or delta per scrape.temporality)", scrape.UpDownSum: "sum (cumulative, up-down)"}
	var b strings.Builder
	b.WriteString("| metric | type | unit | source | in postgresqlreceiver | on by default |\n|---|---|---|---|---|---|\n")
	for _, d := range allDefs {
		yes := func(v bool) string {
			if v {
				return "yes"
			}
			return "no"
		}
		fmt.Fprintf(&b, "| `%s` | %s | `%s` | `%s` | %s | %s |\n", d.Name, kinds[d.Kind], d.Unit, d.source, yes(d.receiver), yes(d.on))
	}
	return b.String()
}
