package newrelic

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// Dashboard is a New Relic dashboard JSON file (the schema of New Relic's
// dashboard import and of the quickstart and entity-definitions files).
type Dashboard struct {
	ID    string `json:"-"`
	Scope string `json:"-"` // "entity": shown on an entity's page, sees only its records
	// EntityType is the entity type (e.g. POSTGRESQLINSTANCE) of an entity-scoped dashboard.
	EntityType  string     `json:"-"`
	Name        string     `json:"name"`
	Description string     `json:"description,omitempty"`
	Permissions string     `json:"permissions,omitempty"`
	Pages       []Page     `json:"pages"`
	Variables   []Variable `json:"variables,omitempty"`
}

// Page is a dashboard page.
type Page struct {
	Name    string       `json:"name"`
	Widgets []WidgetJSON `json:"widgets"`
}

// WidgetJSON is a widget as stored.
type WidgetJSON struct {
	Title         string `json:"title"`
	Visualization struct {
		ID string `json:"id"`
	} `json:"visualization"`
	RawConfiguration struct {
		NRQLQueries []NRQLQuery `json:"nrqlQueries"`
	} `json:"rawConfiguration"`
}

// NRQLQuery is one query of a widget or variable.
type NRQLQuery struct {
	AccountID  *int   `json:"accountId,omitempty"`
	AccountIDs []int  `json:"accountIds,omitempty"`
	Query      string `json:"query"`
}

// Variable is a dashboard template variable.
type Variable struct {
	Name      string     `json:"name"`
	Type      string     `json:"type"`
	NRQLQuery *NRQLQuery `json:"nrqlQuery"`
}

// Widget is a widget with its place, for reports.
type Widget struct {
	Page, Title, Viz string
	Queries          []string
}

// Key names a widget in reports and in the exceptions list:
// "page / title" (the title alone is not unique).
func (w Widget) Key() string { return w.Page + " / " + w.Title }

// Widgets lists the widgets that show data (markdown widgets have no query).
func (d *Dashboard) Widgets() []Widget {
	var out []Widget
	for _, p := range d.Pages {
		for _, w := range p.Widgets {
			if len(w.RawConfiguration.NRQLQueries) == 0 {
				continue
			}
			ww := Widget{Page: p.Name, Title: w.Title, Viz: w.Visualization.ID}
			for _, q := range w.RawConfiguration.NRQLQueries {
				ww.Queries = append(ww.Queries, q.Query)
			}
			out = append(out, ww)
		}
	}
	return out
}

// LoadDashboard reads a dashboard JSON file.
func LoadDashboard(path, id string) (*Dashboard, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	d := &Dashboard{ID: id}
	if err := json.Unmarshal(b, d); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return d, nil
}

// Manifest is testdata/manifest.json: New Relic's views per database system.
type Manifest struct {
	Systems map[string]struct {
		EntityTypes []string `json:"entity_types"`
		Dashboards  []struct {
			ID         string `json:"id"`
			Path       string `json:"path"`
			Scope      string `json:"scope"`
			EntityType string `json:"entity_type"`
		} `json:"dashboards"`
	} `json:"systems"`
}

// LoadReference reads the manifest under dir and returns, per system, its
// entity definitions and dashboards (the entity types' golden metrics
// count as an entity-scoped dashboard).
func LoadReference(dir string) (map[string][]*Definition, map[string][]*Dashboard, error) {
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		return nil, nil, err
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, nil, fmt.Errorf("manifest.json: %w", err)
	}
	defs, dashes := map[string][]*Definition{}, map[string][]*Dashboard{}
	for sys, s := range m.Systems {
		byPath := map[string]*Definition{}
		for _, et := range s.EntityTypes {
			def, err := LoadDefinition(filepath.Join(dir, et, "definition.yml"))
			if err != nil {
				return nil, nil, err
			}
			byPath[et] = def
			defs[sys] = append(defs[sys], def)
			golden, err := LoadGoldenMetrics(filepath.Join(dir, et, "golden_metrics.yml"), "golden:"+filepath.Base(et), def.Type)
			if err != nil {
				return nil, nil, err
			}
			dashes[sys] = append(dashes[sys], golden)
		}
		for _, ref := range s.Dashboards {
			d, err := LoadDashboard(filepath.Join(dir, ref.Path), ref.ID)
			if err != nil {
				return nil, nil, err
			}
			d.Scope = ref.Scope
			if ref.EntityType != "" {
				def, ok := byPath[ref.EntityType]
				if !ok {
					return nil, nil, fmt.Errorf("manifest: %s: entity type %s not listed", ref.ID, ref.EntityType)
				}
				d.EntityType = def.Type
			}
			dashes[sys] = append(dashes[sys], d)
		}
	}
	return defs, dashes, nil
}
