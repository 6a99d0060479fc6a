package otlpserver

// jsonDecodedCost bounds what pdata allocates to decode an OTLP/JSON body,
// from its text alone. A JSON message is never smaller than its `{}`, but a
// 3-byte `{},` still decodes into up to 400 bytes (an empty exemplar), and
// a 3-byte `"",` array element into 86 (an entity key). So every object
// costs the largest per-message figure measured for protobuf and every
// array element after the first the largest per-element one, on top of the
// bytes inside strings (copied out of the text; whitespace and structure
// are not). Measured figures are in
// jsoncost_test.go; brackets nest no deeper than http.max_json_depth by the
// time this runs, so a fixed stack of array/object bits is enough.
func jsonDecodedCost(b []byte) int64 {
	var (
		inArray           [4]uint64 // bit d: the bracket at depth d is '['
		depth             int
		objects, elems    int64
		stringBytes       int64
		inString, escaped bool
	)
	for _, c := range b {
		if inString {
			stringBytes++
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '{', '[':
			depth++
			if c == '{' {
				objects++
			}
			if d := depth % 256; c == '[' {
				inArray[d/64] |= 1 << (d % 64)
			} else {
				inArray[d/64] &^= 1 << (d % 64)
			}
		case '}', ']':
			depth = max(depth-1, 0)
		case ',':
			if d := depth % 256; inArray[d/64]&(1<<(d%64)) != 0 {
				elems++
			}
		}
	}
	return stringBytes + stringBytes/8 + objects*jsonCostPerObject + elems*jsonCostPerElement
}

const (
	jsonCostPerObject  = 408 // msgCost[wireExemplar]
	jsonCostPerElement = costPerString
)
