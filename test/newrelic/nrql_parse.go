package newrelic

import (
	"fmt"
	"strconv"
	"strings"
)

type parser struct {
	toks []token
	pos  int
}

func (p *parser) peek() token { return p.toks[p.pos] }

func (p *parser) next() token {
	t := p.toks[p.pos]
	if t.kind != tEOF {
		p.pos++
	}
	return t
}

// accept consumes the operator op if it is next.
func (p *parser) accept(op string) bool {
	if t := p.peek(); t.kind == tOp && t.text == op {
		p.pos++
		return true
	}
	return false
}

func (p *parser) acceptWord(kw string) bool {
	if p.peek().is(kw) {
		p.pos++
		return true
	}
	return false
}

// list reads comma-separated expressions, each with an optional AS alias
// ("" when none) and ASC/DESC.
func (p *parser) list() ([]Expr, []string, error) {
	var out []Expr
	var aliases []string
	for {
		e, err := p.expr()
		if err != nil {
			return nil, nil, err
		}
		out = append(out, e)
		alias := ""
		if p.acceptWord("as") {
			t := p.next()
			if t.kind != tString && t.kind != tIdent {
				return nil, nil, fmt.Errorf("AS needs a name at %d", t.position)
			}
			alias = t.text
		}
		aliases = append(aliases, alias)
		_ = p.acceptWord("asc") || p.acceptWord("desc")
		if !p.accept(",") {
			return out, aliases, nil
		}
	}
}

func (p *parser) expr() (Expr, error) { return p.or() }

func (p *parser) or() (Expr, error) {
	l, err := p.and()
	for err == nil && p.acceptWord("or") {
		var r Expr
		if r, err = p.and(); err == nil {
			l = Binary{Op: "OR", L: l, R: r}
		}
	}
	return l, err
}

func (p *parser) and() (Expr, error) {
	l, err := p.not()
	for err == nil && p.acceptWord("and") {
		var r Expr
		if r, err = p.not(); err == nil {
			l = Binary{Op: "AND", L: l, R: r}
		}
	}
	return l, err
}

func (p *parser) not() (Expr, error) {
	if p.acceptWord("not") {
		x, err := p.not()
		return Not{X: x}, err
	}
	return p.comparison()
}

func (p *parser) comparison() (Expr, error) {
	l, err := p.additive()
	if err != nil {
		return nil, err
	}
	t := p.peek()
	if t.kind == tOp {
		switch t.text {
		case "=", "!=", "<>", "<", ">", "<=", ">=":
			p.next()
			r, err := p.additive()
			op := t.text
			if op == "<>" {
				op = "!="
			}
			return Binary{Op: op, L: l, R: r}, err
		}
	}
	neg := false
	if t.is("not") {
		if n := p.toks[p.pos+1]; n.is("in") || n.is("like") {
			p.next()
			neg = true
		}
	}
	switch {
	case p.acceptWord("in"):
		if !p.accept("(") {
			return nil, fmt.Errorf("IN needs ( at %d", p.peek().position)
		}
		in := In{X: l, Neg: neg}
		for !p.accept(")") {
			e, err := p.additive()
			if err != nil {
				return nil, err
			}
			in.List = append(in.List, e)
			if !p.accept(",") && !(p.peek().kind == tOp && p.peek().text == ")") {
				return nil, fmt.Errorf("IN list: expected , or ) at %d", p.peek().position)
			}
		}
		return in, nil
	case p.acceptWord("like"):
		s := p.next()
		if s.kind != tString {
			return nil, fmt.Errorf("LIKE needs a string at %d", s.position)
		}
		return Like{X: l, Neg: neg, Pattern: s.text}, nil
	case p.acceptWord("is"):
		n := IsNull{X: l, Neg: p.acceptWord("not")}
		if !p.acceptWord("null") {
			return nil, fmt.Errorf("IS needs NULL at %d", p.peek().position)
		}
		return n, nil
	}
	return l, nil
}

func (p *parser) additive() (Expr, error) {
	l, err := p.multiplicative()
	for err == nil && (p.peek().kind == tOp && (p.peek().text == "+" || p.peek().text == "-")) {
		op := p.next().text
		var r Expr
		if r, err = p.multiplicative(); err == nil {
			l = Binary{Op: op, L: l, R: r}
		}
	}
	return l, err
}

func (p *parser) multiplicative() (Expr, error) {
	l, err := p.unary()
	for err == nil && (p.peek().kind == tOp && (p.peek().text == "*" || p.peek().text == "/")) {
		op := p.next().text
		var r Expr
		if r, err = p.unary(); err == nil {
			l = Binary{Op: op, L: l, R: r}
		}
	}
	return l, err
}

func (p *parser) unary() (Expr, error) {
	if p.accept("-") {
		x, err := p.unary()
		return Binary{Op: "-", L: Num{}, R: x}, err
	}
	return p.primary()
}

// timeUnits may follow a number inside rate(..., 1 minute).
var timeUnits = map[string]bool{
	"second": true, "seconds": true, "minute": true, "minutes": true, "hour": true,
	"hours": true, "day": true, "days": true, "week": true, "weeks": true,
}

func (p *parser) primary() (Expr, error) {
	t := p.next()
	switch t.kind {
	case tNumber:
		v, err := strconv.ParseFloat(t.text, 64)
		return Num{V: v}, err
	case tString:
		return Str{V: t.text}, nil
	case tVar:
		return Var{Name: t.text}, nil
	case tOp:
		switch t.text {
		case "*":
			return Star{}, nil
		case "(":
			e, err := p.expr()
			if err != nil {
				return nil, err
			}
			if !p.accept(")") {
				return nil, fmt.Errorf("expected ) at %d", p.peek().position)
			}
			return e, nil
		}
	case tIdent:
		if isClause(t) {
			break
		}
		if !t.quoted && p.accept("(") {
			return p.call(strings.ToLower(t.text))
		}
		return Attr{Name: t.text}, nil
	}
	return nil, fmt.Errorf("unexpected %q at %d", t.text, t.position)
}

func (p *parser) call(name string) (Expr, error) {
	c := Call{Name: name}
	for !p.accept(")") {
		if p.acceptWord("where") {
			w, err := p.expr()
			if err != nil {
				return nil, err
			}
			c.Where = w
		} else {
			a, err := p.expr()
			if err != nil {
				return nil, err
			}
			c.Args = append(c.Args, a)
			if t := p.peek(); t.kind == tIdent && timeUnits[strings.ToLower(t.text)] {
				c.Unit = strings.ToLower(p.next().text)
			}
		}
		if !p.accept(",") && !(p.peek().kind == tOp && p.peek().text == ")") {
			return nil, fmt.Errorf("%s(): expected , or ) at %d", name, p.peek().position)
		}
	}
	return c, nil
}
