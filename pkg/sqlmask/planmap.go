package sqlmask

import "go.opentelemetry.io/collector/pdata/pcommon"

// MaskPlanMap is MaskPlan for a plan held as a map (an OTLP log body that a
// sender built from the plan JSON): the same key rule, the same depth rule,
// walked with an explicit stack instead of recursion.
func MaskPlanMap(m pcommon.Map, mask func(string) string) {
	type item struct {
		v     pcommon.Value
		expr  bool
		depth int
	}
	var stack []item
	push := func(m pcommon.Map, expr bool, depth int) {
		m.Range(func(k string, v pcommon.Value) bool {
			stack = append(stack, item{v, expr || IsExprKey(k), depth})
			return true
		})
	}
	push(m, false, 1)
	for len(stack) > 0 {
		it := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		expr := it.expr || it.depth > MaxDepth
		switch it.v.Type() {
		case pcommon.ValueTypeStr:
			if s := it.v.Str(); expr {
				if ms := mask(s); ms != s {
					it.v.SetStr(ms)
				}
			}
		case pcommon.ValueTypeMap:
			push(it.v.Map(), expr, it.depth+1)
		case pcommon.ValueTypeSlice:
			sl := it.v.Slice()
			for i := 0; i < sl.Len(); i++ {
				stack = append(stack, item{sl.At(i), expr, it.depth + 1})
			}
		}
	}
}
