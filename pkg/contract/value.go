package contract

import "go.opentelemetry.io/collector/pdata/pcommon"

// maxValueDepth bounds the nesting of a map or slice value that ValueString
// encodes: plenty for any real attribute.
const maxValueDepth = 32

// ValueString is v.AsString() for a value a sender controls. AsString
// encodes maps and slices recursively, so a million-deep kvlist overflowed
// the goroutine stack (a fatal error, not a panic); one nested deeper than
// maxValueDepth reads as its type name instead.
func ValueString(v pcommon.Value) string {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		return v.Str()
	case pcommon.ValueTypeMap, pcommon.ValueTypeSlice:
		if DeeperThan(v, maxValueDepth) {
			return v.Type().String()
		}
	}
	return v.AsString()
}

// DeeperThan reports whether maps and slices nest in v more than limit
// levels deep (v itself is level 1). It walks with an explicit stack, so
// it is safe on any input; check it before any recursive walk.
func DeeperThan(v pcommon.Value, limit int) bool {
	type level struct {
		v     pcommon.Value
		depth int
	}
	stack := []level{{v, 1}}
	for len(stack) > 0 {
		top := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if top.depth > limit {
			return true
		}
		push := func(c pcommon.Value) {
			if t := c.Type(); t == pcommon.ValueTypeMap || t == pcommon.ValueTypeSlice {
				stack = append(stack, level{c, top.depth + 1})
			}
		}
		switch top.v.Type() {
		case pcommon.ValueTypeMap:
			for _, c := range top.v.Map().All() {
				push(c)
			}
		case pcommon.ValueTypeSlice:
			for _, c := range top.v.Slice().All() {
				push(c)
			}
		}
	}
	return false
}
