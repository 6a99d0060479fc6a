package newrelic

import (
	"fmt"
	"os"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// LoadGoldenMetrics reads an entity type's golden_metrics.yml as an
// entity-scoped dashboard: one widget per golden metric, from its
// opentelemetry query (metrics without one are left out).
func LoadGoldenMetrics(path, id, entityType string) (*Dashboard, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var golden map[string]struct {
		Title   string `yaml:"title"`
		Queries map[string]struct {
			Select string `yaml:"select"`
			From   string `yaml:"from"`
			Where  string `yaml:"where"`
		} `yaml:"queries"`
	}
	if err := yaml.Unmarshal(b, &golden); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	names := make([]string, 0, len(golden))
	for name := range golden {
		names = append(names, name)
	}
	sort.Strings(names)
	page := Page{Name: "golden metrics"}
	for _, name := range names {
		q, ok := golden[name].Queries["opentelemetry"]
		if !ok || q.Select == "" {
			continue
		}
		nrql := "SELECT " + q.Select + " FROM " + q.From
		if strings.TrimSpace(q.Where) != "" {
			nrql += " WHERE " + q.Where
		}
		w := WidgetJSON{Title: name}
		w.RawConfiguration.NRQLQueries = []NRQLQuery{{Query: nrql}}
		page.Widgets = append(page.Widgets, w)
	}
	if len(page.Widgets) == 0 {
		return nil, fmt.Errorf("%s: no opentelemetry golden metrics", path)
	}
	return &Dashboard{ID: id, Scope: "entity", EntityType: entityType, Name: "golden metrics", Pages: []Page{page}}, nil
}
