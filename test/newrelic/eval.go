package newrelic

import (
	"regexp"
	"strconv"
	"strings"
)

// Vars holds the values a user can pick for each template variable.
type Vars map[string][]string

// value returns an attribute's value as NRQL compares it: a string, a
// float64 or a bool; a metric value compares as its number.
func value(ev Event, name string) (any, bool) {
	if name == "eventType" {
		return ev.Type, true
	}
	v, ok := ev.Attrs[name]
	if mv, isMetric := v.(MetricValue); isMetric {
		return mv.Value, true
	}
	return v, ok
}

// Match evaluates a WHERE condition on an event. As in NRQL, a comparison
// with a missing attribute is false, != included.
func Match(cond Expr, ev Event, vars Vars) bool {
	switch x := cond.(type) {
	case nil:
		return true
	case Binary:
		switch x.Op {
		case "AND":
			return Match(x.L, ev, vars) && Match(x.R, ev, vars)
		case "OR":
			return Match(x.L, ev, vars) || Match(x.R, ev, vars)
		}
		return compare(x, ev)
	case Not:
		return !Match(x.X, ev, vars)
	case In:
		a, ok := x.X.(Attr)
		if !ok {
			return false
		}
		v, ok := value(ev, a.Name)
		if !ok {
			return false
		}
		found := false
		for _, item := range x.List {
			for _, lit := range literals(item, vars) {
				found = found || equal(v, lit)
			}
		}
		return found != x.Neg
	case IsNull:
		a, ok := x.X.(Attr)
		if !ok {
			return false
		}
		_, present := value(ev, a.Name)
		return present == x.Neg
	case Like:
		a, ok := x.X.(Attr)
		if !ok {
			return false
		}
		v, ok := value(ev, a.Name)
		s, isStr := v.(string)
		if !ok || !isStr {
			return false
		}
		return likeRegexp(x.Pattern).MatchString(s) != x.Neg
	case Attr: // a bare boolean attribute
		v, _ := value(ev, x.Name)
		b, _ := v.(bool)
		return b
	}
	return false
}

// literals expands a list item: a literal, or a template variable's values.
func literals(e Expr, vars Vars) []any {
	switch x := e.(type) {
	case Str:
		return []any{x.V}
	case Num:
		return []any{x.V}
	case Var:
		out := make([]any, 0, len(vars[x.Name]))
		for _, v := range vars[x.Name] {
			out = append(out, v)
		}
		return out
	}
	return nil
}

func equal(v, lit any) bool {
	switch l := lit.(type) {
	case string:
		switch x := v.(type) {
		case string:
			return x == l
		case bool:
			return strconv.FormatBool(x) == l
		}
	case float64:
		x, ok := v.(float64)
		return ok && x == l
	}
	return false
}

func compare(b Binary, ev Event) bool {
	a, lit, op := b.L, b.R, b.Op
	if _, isAttr := a.(Attr); !isAttr {
		a, lit = lit, a
		op = map[string]string{"<": ">", ">": "<", "<=": ">=", ">=": "<="}[op]
		if op == "" {
			op = b.Op
		}
	}
	at, ok := a.(Attr)
	if !ok {
		return false
	}
	v, ok := value(ev, at.Name)
	if !ok {
		return false
	}
	lits := literals(lit, nil)
	if len(lits) != 1 {
		return false
	}
	switch op {
	case "=":
		return equal(v, lits[0])
	case "!=":
		return !equal(v, lits[0])
	}
	x, ok1 := v.(float64)
	y, ok2 := lits[0].(float64)
	if !ok1 || !ok2 {
		return false
	}
	switch op {
	case "<":
		return x < y
	case ">":
		return x > y
	case "<=":
		return x <= y
	case ">=":
		return x >= y
	}
	return false
}

// likeRegexp turns a LIKE pattern (% any run, _ one character) into a regexp.
func likeRegexp(p string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("^")
	for _, r := range p {
		switch r {
		case '%':
			b.WriteString(".*")
		case '_':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}

// conjuncts splits a condition at its top-level ANDs.
func conjuncts(e Expr) []Expr {
	if b, ok := e.(Binary); ok && b.Op == "AND" {
		return append(conjuncts(b.L), conjuncts(b.R)...)
	}
	if e == nil {
		return nil
	}
	return []Expr{e}
}
