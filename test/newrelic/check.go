package newrelic

import (
	"fmt"
	"sort"
	"strings"
)

// Store is what New Relic holds: events by type.
type Store struct{ byType map[string][]Event }

// NewStore indexes events by type.
func NewStore(events []Event) *Store {
	s := &Store{byType: map[string][]Event{}}
	for _, e := range events {
		s.byType[e.Type] = append(s.byType[e.Type], e)
	}
	return s
}

// Types lists the event types held and how many events each has.
func (s *Store) Types() map[string]int {
	out := map[string]int{}
	for t, evs := range s.byType {
		out[t] = len(evs)
	}
	return out
}

// Scope restricts what a query sees (an entity dashboard sees one entity).
type Scope func(Event) bool

// EntityScope sees only the records of the entity with this GUID.
func EntityScope(guid string) Scope {
	return func(e Event) bool { return e.Attrs["entity.guid"] == guid }
}

// requirement is one attribute a SELECT or ORDER BY reads.
type requirement struct {
	fn      string // aggregate function, "raw" for a plain attribute, "count*" for count(*)
	attr    string
	rate    bool   // inside rate()
	filters []Expr // conditions of enclosing filter() calls
}

func (r requirement) String() string {
	s := r.fn + "(" + r.attr + ")"
	if r.rate {
		s = "rate(" + s + ")"
	}
	for _, f := range r.filters {
		s += " WHERE " + f.String()
	}
	return s
}

func requirements(e Expr, fn string, rate bool, filters []Expr, out *[]requirement) {
	switch x := e.(type) {
	case Attr:
		if fn == "" {
			fn = "raw"
		}
		*out = append(*out, requirement{fn: fn, attr: x.Name, rate: rate, filters: filters})
	case Star:
		*out = append(*out, requirement{fn: "count*", rate: rate, filters: filters})
	case Binary:
		requirements(x.L, fn, rate, filters, out)
		requirements(x.R, fn, rate, filters, out)
	case Call:
		switch {
		case x.Name == "filter":
			fs := append(append([]Expr(nil), filters...), x.Where)
			for _, a := range x.Args {
				requirements(a, fn, rate, fs, out)
			}
		case x.Name == "rate":
			for _, a := range x.Args {
				requirements(a, fn, true, filters, out)
			}
		case aggs[x.Name]:
			for _, a := range x.Args {
				requirements(a, x.Name, rate, filters, out)
			}
		default:
			for _, a := range x.Args {
				requirements(a, fn, rate, filters, out)
			}
		}
	}
}

// compatible says whether a value can feed fn, and why not.
func compatible(r requirement, v any) (bool, string) {
	mv, isMetric := v.(MetricValue)
	switch r.fn {
	case "raw", "count", "uniques", "uniquecount":
		return true, ""
	case "latest", "earliest":
		if isMetric && mv.Type == TypeCount {
			return false, fmt.Sprintf("%s() of a delta counter (New Relic type count) is not the counter's value; it needs a cumulative sum or a gauge", r.fn)
		}
		return true, ""
	}
	_, isNum := v.(float64)
	if !isMetric && !isNum {
		return false, fmt.Sprintf("%s() needs a number, got %T %v", r.fn, v, v)
	}
	if r.rate && isMetric && mv.Type == TypeGauge {
		return false, "rate() of a gauge: a counter must be sent as a monotonic sum"
	}
	return true, ""
}

// CheckQuery reports why q would show no data on these events, or nil.
func (s *Store) CheckQuery(q *Query, scope Scope, vars Vars) []string {
	var cands []Event
	for _, t := range q.From {
		for _, e := range s.byType[t] {
			if scope == nil || scope(e) {
				cands = append(cands, e)
			}
		}
	}
	if len(cands) == 0 {
		return []string{fmt.Sprintf("no %s events%s", strings.Join(q.From, ","), map[bool]string{true: " for this entity"}[scope != nil])}
	}
	var matched []Event
	for _, e := range cands {
		if Match(q.Where, e, vars) {
			matched = append(matched, e)
		}
	}
	if len(matched) == 0 {
		return diagnoseWhere(q.Where, cands, vars)
	}
	var facets []string
	for _, f := range q.Facet {
		if a, ok := f.(Attr); ok {
			facets = append(facets, a.Name)
		}
	}
	var reqs []requirement
	for _, e := range append(append([]Expr(nil), q.Select...), q.OrderBy...) {
		requirements(e, "", false, nil, &reqs)
	}
	var problems []string
	for _, r := range reqs {
		if p := checkRequirement(r, matched, facets, vars); p != "" {
			problems = append(problems, p)
		}
	}
	return dedupe(problems)
}

func checkRequirement(r requirement, matched []Event, facets []string, vars Vars) string {
	pool := matched
	for _, f := range r.filters {
		var next []Event
		for _, e := range pool {
			if Match(f, e, vars) {
				next = append(next, e)
			}
		}
		if len(next) == 0 {
			return fmt.Sprintf("%s: filter WHERE %s matches nothing (%s)", r, f, seen(f, pool))
		}
		pool = next
	}
	var withAttr, compat []Event
	why := ""
	for _, e := range pool {
		if r.fn == "count*" {
			compat = append(compat, e)
			continue
		}
		v, ok := e.Attrs[r.attr]
		if !ok {
			continue
		}
		withAttr = append(withAttr, e)
		if ok, reason := compatible(r, v); ok {
			compat = append(compat, e)
		} else {
			why = reason
		}
	}
	switch {
	case r.fn != "count*" && len(withAttr) == 0:
		return fmt.Sprintf("%s: %s absent from the %d matching events", r, r.attr, len(pool))
	case len(compat) == 0:
		return fmt.Sprintf("%s: %s", r, why)
	}
	for _, e := range compat {
		all := true
		for _, f := range facets {
			if _, ok := e.Attrs[f]; !ok {
				all = false
			}
		}
		if all {
			return ""
		}
	}
	var missing []string
	for _, f := range facets {
		n := 0
		for _, e := range compat {
			if _, ok := e.Attrs[f]; ok {
				n++
			}
		}
		if n == 0 {
			missing = append(missing, f)
		}
	}
	return fmt.Sprintf("%s: FACET %s absent where %s is", r, strings.Join(missing, ", "), r.attr)
}

// diagnoseWhere names the conditions that match none of the candidates.
func diagnoseWhere(where Expr, cands []Event, vars Vars) []string {
	var out []string
	for _, c := range conjuncts(where) {
		n := 0
		for _, e := range cands {
			if Match(c, e, vars) {
				n++
			}
		}
		if n == 0 {
			out = append(out, fmt.Sprintf("WHERE %s matches none of %d %s events (%s)", c, len(cands), cands[0].Type, seen(c, cands)))
		}
	}
	if len(out) == 0 {
		out = append(out, fmt.Sprintf("WHERE %s: each condition matches some events, never all at once", where))
	}
	return out
}

// seen lists the values the attributes of a condition take in events.
func seen(cond Expr, events []Event) string {
	attrs := set{}
	walkCond(cond, attrs, map[string][]string{})
	var parts []string
	for _, a := range attrs.sorted() {
		vals := set{}
		for _, e := range events {
			if v, ok := value(e, a); ok {
				vals.add(fmt.Sprint(v))
			}
		}
		list := vals.sorted()
		if a == "metricName" {
			parts = append(parts, fmt.Sprintf("%d metric names", len(list)))
			continue
		}
		if len(list) > 6 {
			list = append(list[:6], "…")
		}
		if len(list) == 0 {
			parts = append(parts, a+" absent")
		} else {
			parts = append(parts, fmt.Sprintf("%s seen: %q", a, list))
		}
	}
	return strings.Join(parts, "; ")
}

func dedupe(in []string) []string {
	s := set{}
	for _, p := range in {
		s.add(p)
	}
	if len(s) == 0 {
		return nil
	}
	out := s.sorted()
	sort.Strings(out)
	return out
}
