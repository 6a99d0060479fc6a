// Package newrelic judges dbintel's output the way New Relic would show it:
// an NRQL reader for the queries of New Relic's dashboards, a model of how
// New Relic turns OTLP into Metric, Log and custom events, an entity
// synthesis evaluator for entity-definitions' definition.yml, and a check
// that every widget of a dashboard has the data it reads.
package newrelic

import (
	"fmt"
	"strconv"
	"strings"
)

// Expr is a node of an NRQL expression.
type Expr interface{ String() string }

type (
	// Attr is an attribute (or, in FROM Metric aggregates, a metric name).
	Attr struct{ Name string }
	// Num is a numeric literal.
	Num struct{ V float64 }
	// Str is a string literal.
	Str struct{ V string }
	// Star is the * of count(*).
	Star struct{}
	// Var is a dashboard template variable, {{name}}.
	Var struct{ Name string }
	// Call is a function call; filter() keeps its condition in Where,
	// rate() its time unit in Unit.
	Call struct {
		Name  string // lower case
		Args  []Expr
		Where Expr
		Unit  string
	}
	// Binary is arithmetic, a comparison, AND or OR.
	Binary struct {
		Op   string // upper case for AND/OR
		L, R Expr
	}
	// Not negates a condition.
	Not struct{ X Expr }
	// In is X [NOT] IN (list).
	In struct {
		X    Expr
		Neg  bool
		List []Expr
	}
	// IsNull is X IS [NOT] NULL.
	IsNull struct {
		X   Expr
		Neg bool
	}
	// Like is X [NOT] LIKE pattern.
	Like struct {
		X       Expr
		Neg     bool
		Pattern string
	}
)

func (a Attr) String() string   { return a.Name }
func (n Num) String() string    { return strconv.FormatFloat(n.V, 'g', -1, 64) }
func (s Str) String() string    { return "'" + s.V + "'" }
func (Star) String() string     { return "*" }
func (v Var) String() string    { return "{{" + v.Name + "}}" }
func (b Binary) String() string { return "(" + b.L.String() + " " + b.Op + " " + b.R.String() + ")" }
func (n Not) String() string    { return "NOT " + n.X.String() }
func (c Call) String() string {
	var parts []string
	for _, a := range c.Args {
		parts = append(parts, a.String())
	}
	if c.Where != nil {
		parts = append(parts, "WHERE "+c.Where.String())
	}
	s := c.Name + "(" + strings.Join(parts, ", ")
	if c.Unit != "" {
		s += " " + c.Unit
	}
	return s + ")"
}
func (in In) String() string {
	var parts []string
	for _, a := range in.List {
		parts = append(parts, a.String())
	}
	op := " IN "
	if in.Neg {
		op = " NOT IN "
	}
	return in.X.String() + op + "(" + strings.Join(parts, ", ") + ")"
}
func (n IsNull) String() string {
	if n.Neg {
		return n.X.String() + " IS NOT NULL"
	}
	return n.X.String() + " IS NULL"
}
func (l Like) String() string {
	if l.Neg {
		return l.X.String() + " NOT LIKE '" + l.Pattern + "'"
	}
	return l.X.String() + " LIKE '" + l.Pattern + "'"
}

// Query is one NRQL query, reduced to the clauses that decide whether it
// returns data: FROM, SELECT, WHERE, FACET and ORDER BY. TIMESERIES,
// LIMIT, SINCE, UNTIL and COMPARE WITH are read and set aside.
type Query struct {
	Raw     string
	From    []string
	Select  []Expr
	Aliases []string // of Select, "" where none
	Where   Expr     // nil: none
	Facet   []Expr
	OrderBy []Expr
}

// clauses that end the clause before them.
var clauseWords = map[string]bool{
	"select": true, "from": true, "where": true, "facet": true, "timeseries": true,
	"limit": true, "since": true, "until": true, "order": true, "compare": true,
	"with": true, "offset": true, "extrapolate": true,
}

func isClause(t token) bool {
	return t.kind == tIdent && !t.quoted && clauseWords[strings.ToLower(t.text)]
}

// Parse reads an NRQL query.
func Parse(q string) (*Query, error) {
	toks, err := lex(q)
	if err != nil {
		return nil, fmt.Errorf("nrql: %w", err)
	}
	p := &parser{toks: toks}
	out := &Query{Raw: q}
	for p.peek().kind != tEOF {
		t := p.next()
		if !isClause(t) {
			return nil, fmt.Errorf("nrql: expected a clause at %d, got %q", t.position, t.text)
		}
		switch strings.ToLower(t.text) {
		case "select":
			out.Select, out.Aliases, err = p.list()
		case "from":
			for {
				name := p.next()
				if name.kind != tIdent {
					return nil, fmt.Errorf("nrql: FROM needs an event type at %d", name.position)
				}
				out.From = append(out.From, name.text)
				if !p.accept(",") {
					break
				}
			}
		case "where":
			out.Where, err = p.expr()
		case "facet":
			out.Facet, _, err = p.list()
		case "order":
			if !p.peek().is("by") {
				return nil, fmt.Errorf("nrql: ORDER without BY")
			}
			p.next()
			out.OrderBy, _, err = p.list()
		default: // TIMESERIES, LIMIT, SINCE, UNTIL, COMPARE WITH, ...: skip their arguments
			for p.peek().kind != tEOF && !isClause(p.peek()) {
				p.next()
			}
		}
		if err != nil {
			return nil, fmt.Errorf("nrql: %w", err)
		}
	}
	if len(out.From) == 0 || len(out.Select) == 0 {
		return nil, fmt.Errorf("nrql: a query needs FROM and SELECT: %q", q)
	}
	return out, nil
}
