// Package nesting holds the one depth limit the gateway applies to nested
// input (OTLP/JSON bodies, JSON plans), and a check that runs before any
// recursive decoder or walker sees the input.
package nesting

// MaxDepth is the deepest JSON nesting (objects and arrays together, the
// outermost bracket being depth 1) the gateway accepts.
//
// The protobuf decoder of pdata stops at 100 nested messages inside one
// AnyValue tree (proto.RecursionLimit), which is 33 kvlist levels (AnyValue,
// KeyValueList, KeyValue per level) or 50 array levels (AnyValue,
// ArrayValue). In OTLP/JSON a kvlist level costs 4 brackets and an array
// level 3, plus at most 16 brackets of envelope above an AnyValue (metrics:
// resourceMetrics, scopeMetrics, metrics, histogram, dataPoints, exemplars,
// filteredAttributes, value). So 50×3+16 = 166 covers every body protobuf
// accepts; 200 leaves headroom and is still far too shallow to hurt a
// recursive walk (a goroutine stack grows by kilobytes, not gigabytes).
const MaxDepth = 200

// DepthOK reports whether the JSON text b nests no deeper than max. It does
// not validate JSON: it counts brackets outside strings (honouring escapes),
// never allocates, and stops at the first bracket past max, so a hostile
// million-deep body costs one pass over its first max bytes of brackets.
func DepthOK(b []byte, max int) bool {
	s := Scanner{Max: max}
	return s.Feed(b)
}

// Scanner is DepthOK over a stream, so a body can be refused while it is
// still being read: Feed it consecutive chunks.
type Scanner struct {
	Max               int
	depth             int
	inString, escaped bool
}

// Feed scans the next chunk; false once the nesting has gone past Max.
func (s *Scanner) Feed(b []byte) bool {
	for _, c := range b {
		if s.inString {
			switch {
			case s.escaped:
				s.escaped = false
			case c == '\\':
				s.escaped = true
			case c == '"':
				s.inString = false
			}
			continue
		}
		switch c {
		case '"':
			s.inString = true
		case '{', '[':
			s.depth++
			if s.depth > s.Max {
				return false
			}
		case '}', ']':
			s.depth--
		}
	}
	return true
}
