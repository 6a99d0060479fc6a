package newrelic

import (
	"sort"
	"strings"
)

// numericAggs read a number from their attribute; on FROM Metric their
// attribute is a metric name. latest/earliest also read strings on events.
var numericAggs = map[string]bool{
	"sum": true, "average": true, "avg": true, "min": true, "max": true, "latest": true,
	"earliest": true, "percentile": true, "median": true, "stddev": true, "rate": true,
}

// aggs are the aggregate functions: an attribute inside one is read from
// the matching events, not compared.
var aggs = map[string]bool{
	"sum": true, "average": true, "avg": true, "min": true, "max": true, "latest": true,
	"earliest": true, "percentile": true, "median": true, "stddev": true, "count": true,
	"uniquecount": true, "uniques": true, "rate": true, "filter": true, "average_of": true,
}

// Usage is what a query reads, for people and for routing failures: the
// event types, metric names, attributes and the literals compared in WHERE.
type Usage struct {
	EventTypes  []string
	MetricNames []string
	Attributes  []string            // read in SELECT, WHERE, FACET or ORDER BY
	Values      map[string][]string // attribute -> literals it is compared with
}

// Use extracts the Usage of q.
func (q *Query) Use() Usage {
	u := Usage{EventTypes: append([]string(nil), q.From...), Values: map[string][]string{}}
	metrics, attrs := set{}, set{}
	isMetric := false
	for _, f := range q.From {
		isMetric = isMetric || f == "Metric"
	}
	var walk func(e Expr, agg string)
	walk = func(e Expr, agg string) {
		switch x := e.(type) {
		case Attr:
			if isMetric && numericAggs[agg] {
				metrics.add(x.Name)
			} else {
				attrs.add(x.Name)
			}
		case Call:
			inner := agg
			if aggs[x.Name] && x.Name != "filter" && x.Name != "rate" {
				inner = x.Name
			}
			for _, a := range x.Args {
				walk(a, inner)
			}
			if x.Where != nil {
				walkCond(x.Where, attrs, u.Values)
			}
		case Binary:
			walk(x.L, agg)
			walk(x.R, agg)
		}
	}
	for _, e := range q.Select {
		walk(e, "")
	}
	for _, e := range append(append([]Expr(nil), q.Facet...), q.OrderBy...) {
		walk(e, "")
	}
	if q.Where != nil {
		walkCond(q.Where, attrs, u.Values)
	}
	for _, v := range u.Values["metricName"] {
		metrics.add(v)
	}
	u.MetricNames, u.Attributes = metrics.sorted(), attrs.sorted()
	for k, v := range u.Values {
		sort.Strings(v)
		u.Values[k] = v
	}
	return u
}

// walkCond records the attributes of a condition and the literals each is
// compared with ({{var}} is recorded as itself).
func walkCond(e Expr, attrs set, values map[string][]string) {
	lit := func(x Expr) (string, bool) {
		switch v := x.(type) {
		case Str:
			return v.V, true
		case Num:
			return v.String(), true
		case Var:
			return v.String(), true
		}
		return "", false
	}
	record := func(a Expr, vals ...Expr) {
		at, ok := a.(Attr)
		if !ok {
			return
		}
		attrs.add(at.Name)
		for _, v := range vals {
			if s, ok := lit(v); ok {
				values[at.Name] = append(values[at.Name], s)
			}
		}
	}
	switch x := e.(type) {
	case Binary:
		if x.Op == "AND" || x.Op == "OR" {
			walkCond(x.L, attrs, values)
			walkCond(x.R, attrs, values)
			return
		}
		record(x.L, x.R)
		record(x.R, x.L)
	case Not:
		walkCond(x.X, attrs, values)
	case In:
		record(x.X, x.List...)
	case IsNull:
		record(x.X)
	case Like:
		record(x.X, Str{V: x.Pattern})
	}
}

type set map[string]bool

func (s set) add(v string) { s[v] = true }

func (s set) sorted() []string {
	var out []string
	for k := range s {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// String renders a Usage on one line.
func (u Usage) String() string {
	var b strings.Builder
	b.WriteString("from " + strings.Join(u.EventTypes, ","))
	if len(u.MetricNames) > 0 {
		b.WriteString(" metrics " + strings.Join(u.MetricNames, ","))
	}
	b.WriteString(" attrs " + strings.Join(u.Attributes, ","))
	return b.String()
}
