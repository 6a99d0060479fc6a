package newrelic

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// unitHints read the unit a widget shows from its alias or title, as New
// Relic's dashboards write it: "(bytes)", "(seconds)", "(ns)", "ms", or a
// division into GB/MB of a byte count.
var unitHints = []struct {
	re   *regexp.Regexp
	unit string
}{
	{regexp.MustCompile(`\(bytes`), "By"},
	{regexp.MustCompile(`\b[GM]B\b`), "By"},
	{regexp.MustCompile(`\(seconds\)`), "s"},
	{regexp.MustCompile(`\(ns\)`), "ns"},
	{regexp.MustCompile(`\bms\b`), "ms"},
}

func unitHint(label string) string {
	for _, h := range unitHints {
		if h.re.MatchString(label) {
			return h.unit
		}
	}
	return ""
}

// checkUnits reports metrics whose OTLP unit differs from the unit the
// widget displays them in. A select item's alias names its unit; a
// widget with one select item may name it in its title instead.
func (s *Store) checkUnits(q *Query, title string, scope Scope) []string {
	var problems []string
	for i, item := range q.Select {
		hint := unitHint(q.Aliases[i])
		if hint == "" && len(q.Select) == 1 {
			hint = unitHint(title)
		}
		if hint == "" {
			continue
		}
		for _, name := range metricNames(item) {
			units := set{}
			for _, e := range s.byType["Metric"] {
				if e.Attrs["metricName"] == name && (scope == nil || scope(e)) {
					u, _ := e.Attrs["unit"].(string)
					units.add(u)
				}
			}
			if got := units.sorted(); len(got) > 0 && (len(got) > 1 || got[0] != hint) {
				problems = append(problems, fmt.Sprintf("%s is shown in %s but sent with unit %q", name, hint, strings.Join(got, ",")))
			}
		}
	}
	sort.Strings(problems)
	return problems
}

// metricNames lists the attributes aggregated in an expression (on FROM
// Metric: metric names).
func metricNames(e Expr) []string {
	var reqs []requirement
	requirements(e, "", false, nil, &reqs)
	out := set{}
	for _, r := range reqs {
		if numericAggs[r.fn] {
			out.add(r.attr)
		}
	}
	return out.sorted()
}
