package newrelic

import (
	"fmt"
	"sort"
	"strings"
)

// WidgetResult says whether a widget would show data, and if not, why.
type WidgetResult struct {
	Widget
	Populated bool
	Problems  []string
}

// VariableValues evaluates a template variable's query (SELECT
// uniques(attr) ...): the values a user can pick.
func (s *Store) VariableValues(v Variable) ([]string, error) {
	if v.NRQLQuery == nil {
		return nil, nil
	}
	q, err := Parse(v.NRQLQuery.Query)
	if err != nil {
		return nil, fmt.Errorf("variable %s: %w", v.Name, err)
	}
	c, ok := q.Select[0].(Call)
	if !ok || c.Name != "uniques" || len(c.Args) == 0 {
		return nil, fmt.Errorf("variable %s: only SELECT uniques(attr) is modelled", v.Name)
	}
	a, ok := c.Args[0].(Attr)
	if !ok {
		return nil, fmt.Errorf("variable %s: uniques of a non-attribute", v.Name)
	}
	vals := set{}
	for _, t := range q.From {
		for _, e := range s.byType[t] {
			if Match(q.Where, e, nil) {
				if x, ok := e.Attrs[a.Name].(string); ok {
					vals.add(x)
				}
			}
		}
	}
	return vals.sorted(), nil
}

// CheckDashboard checks every widget of d. Variables take every value
// their query finds; scope restricts an entity dashboard to its entity.
func (s *Store) CheckDashboard(d *Dashboard, scope Scope) ([]WidgetResult, error) {
	vars := Vars{}
	for _, v := range d.Variables {
		vals, err := s.VariableValues(v)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", d.ID, err)
		}
		vars[v.Name] = vals
	}
	var out []WidgetResult
	for _, w := range d.Widgets() {
		r := WidgetResult{Widget: w, Populated: true}
		for _, raw := range w.Queries {
			q, err := Parse(raw)
			if err != nil {
				return nil, fmt.Errorf("%s / %s: %w", d.ID, w.Key(), err)
			}
			p := s.CheckQuery(q, scope, vars)
			if len(q.From) == 1 && q.From[0] == "Metric" {
				p = append(p, s.checkUnits(q, w.Title, scope)...)
			}
			if len(p) > 0 {
				r.Populated = false
				r.Problems = append(r.Problems, p...)
			}
		}
		for _, v := range d.Variables {
			if len(vars[v.Name]) == 0 && strings.Contains(strings.Join(w.Queries, " "), "{{"+v.Name+"}}") {
				r.Problems = append(r.Problems, fmt.Sprintf("variable %s has no values", v.Name))
			}
		}
		out = append(out, r)
	}
	return out, nil
}

// Coverage is one row of the coverage table.
type Coverage struct {
	Dashboard            string
	Populated, Total     int
	Excepted, Unexpected int
}

// CoverageTable renders rows as a Markdown table.
func CoverageTable(rows []Coverage) string {
	var b strings.Builder
	b.WriteString("| dashboard | widgets populated / total | listed exceptions |\n|---|---|---|\n")
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].Dashboard < rows[j].Dashboard })
	for _, r := range rows {
		fmt.Fprintf(&b, "| `%s` | %d / %d | %d |\n", r.Dashboard, r.Populated, r.Total, r.Excepted)
	}
	return b.String()
}
