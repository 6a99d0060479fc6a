package sample

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/dbintel/dbintel/pkg/contract"
	"go.opentelemetry.io/collector/pdata/pcommon"
)

// Operators.
const (
	opEq       = "eq"
	opNe       = "ne"
	opGt       = "gt"
	opGte      = "gte"
	opLt       = "lt"
	opLte      = "lte"
	opContains = "contains"
	opRegex    = "regex"
	opExists   = "exists"
)

// condition is a compiled Condition: the regex and the number are parsed
// once in New, not per item.
type condition struct {
	field, name, op, str string
	num                  float64
	re                   *regexp.Regexp
}

func compileCondition(c Condition) condition {
	cc := condition{field: c.Field, name: c.Name, op: c.Op, str: c.Value}
	// Validate has checked that numeric operators have a number and that a
	// regex compiles.
	cc.num, _ = strconv.ParseFloat(c.Value, 64)
	if c.Op == opRegex {
		cc.re = regexp.MustCompile(c.Value)
	}
	return cc
}

// match reports whether the condition holds for it. An absent field never
// matches.
func (c *condition) match(it *item) bool {
	switch c.field {
	case FieldAttribute, FieldResourceAttribute:
		m := it.attrs
		if c.field == FieldResourceAttribute {
			m = it.res.attrs
		}
		v, ok := m.Get(c.name)
		if !ok {
			return false
		}
		return c.matchValue(v)
	case FieldMetricName:
		return it.metricName != "" && c.matchString(it.metricName)
	case FieldEventName:
		return it.eventName != "" && c.matchString(it.eventName)
	case FieldValue:
		return it.hasValue && (c.op == opExists || c.matchNumber(it.value))
	}
	return false
}

func (c *condition) matchValue(v pcommon.Value) bool {
	switch c.op {
	case opExists:
		return true
	case opGt, opGte, opLt, opLte:
		switch v.Type() {
		case pcommon.ValueTypeInt:
			return c.matchNumber(float64(v.Int()))
		case pcommon.ValueTypeDouble:
			return c.matchNumber(v.Double())
		case pcommon.ValueTypeStr:
			f, err := strconv.ParseFloat(v.Str(), 64)
			return err == nil && c.matchNumber(f)
		}
		return false
	}
	if v.Type() == pcommon.ValueTypeStr {
		return c.matchString(v.Str())
	}
	return c.matchString(contract.ValueString(v))
}

func (c *condition) matchString(s string) bool {
	switch c.op {
	case opExists:
		return true
	case opEq:
		return s == c.str
	case opNe:
		return s != c.str
	case opContains:
		return strings.Contains(s, c.str)
	case opRegex:
		return c.re.MatchString(s)
	case opGt, opGte, opLt, opLte:
		f, err := strconv.ParseFloat(s, 64)
		return err == nil && c.matchNumber(f)
	}
	return false
}

func (c *condition) matchNumber(f float64) bool {
	switch c.op {
	case opEq:
		return f == c.num
	case opNe:
		return f != c.num
	case opGt:
		return f > c.num
	case opGte:
		return f >= c.num
	case opLt:
		return f < c.num
	case opLte:
		return f <= c.num
	}
	return false
}
