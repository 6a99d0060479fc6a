package otlpserver

import (
	"errors"

	"google.golang.org/protobuf/encoding/protowire"
)

// pdata turns every sub-message of a protobuf request into Go values of a
// fixed size, however few bytes the message took on the wire: a 2-byte empty
// log record decodes into 171 bytes (85×). So the in-flight budget charges a
// protobuf body what it will decode into, estimated from the wire before
// decoding: the wire size (strings and bytes are copied out of it) plus a
// cost per message of each type and per element of repeated scalars.
//
// msgCost is measured (TestWireCostBound, pdata v1.71: bytes allocated by
// UnmarshalProto for 50,000 empty copies of each message in one parent, so
// slice growth is included), rounded up to the next 8 bytes. Types with 8
// are held inside their parent and merge when repeated (measured 0).
// Against real shapes the estimate is 1.3-2.5× what is allocated (figures in
// wirecost_test.go).
var msgCost = [...]int64{
	wireLogsRequest:       64,
	wireMetricsRequest:    64,
	wireTracesRequest:     64,
	wireResourceLogs:      176, // 171
	wireResourceMetrics:   176,
	wireResourceSpans:     176,
	wireResource:          8,
	wireEntityRef:         128, // 123
	wireScope:             8,
	wireScopeLogs:         160, // 155
	wireScopeMetrics:      160,
	wireScopeSpans:        160,
	wireLogRecord:         176, // 171
	wireKeyValue:          224, // 219
	wireAnyValue:          96,  // 86
	wireValue:             8,
	wireArrayValue:        40,  // 32
	wireKeyValueList:      40,  // 32
	wireMetric:            144, // 139
	wireNumberPoints:      40,  // 32
	wireHistogram:         48,  // 40
	wireExpHistogram:      48,  // 40
	wireSummary:           40,  // 32
	wireNumberPoint:       144, // 139
	wireHistogramPoint:    208, // 203
	wireExpHistogramPoint: 240, // 235
	wireSummaryPoint:      144, // 139
	wireBuckets:           8,
	wireQuantile:          64,  // 59
	wireExemplar:          408, // 400
	wireSpan:              256, // 251
	wireSpanEvent:         112, // 107
	wireSpanLink:          128, // 123
	wireStatus:            8,
	wireLeaf:              0,
}

// Elements of repeated scalars: a repeated string (EntityRef keys) measured
// 86 bytes, a packed varint (exponential histogram buckets) 25 with slice
// growth; each scalar of a oneof (AnyValue, a point's or an exemplar's
// value) allocates a wrapper: 8 bytes measured for an int (16 with -race).
const (
	costPerString = 96
	costPerVarint = 32
	costPerOneof  = 16
)

// maxWireDepth is the deepest nesting of messages the walk follows: pdata
// refuses more than pdataRecursionLimit AnyValues in one value, each costing
// up to three levels (AnyValue, KeyValueList, KeyValue), under an envelope of
// at most 9 levels (metrics down to an exemplar's attribute).
const maxWireDepth = 3*pdataRecursionLimit + 16

// pdataRecursionLimit is pdata's internal proto.RecursionLimit (v1.71).
const pdataRecursionLimit = 100

var errWireTooDeep = errors.New("protobuf nesting deeper than pdata decodes")

// decodedCost estimates the bytes pdata allocates to decode b, a request of
// the given root message type, without decoding it: one pass over the wire
// following the OTLP schema (wireschema.go), no allocation, no recursion.
// Fields it does not know cost their wire bytes. Tags, lengths and unknown
// fields are read exactly as pdata reads them (wireread.go), so the walk
// sees every message pdata will decode. A malformed body is an error.
func decodedCost(root wireType, b []byte) (int64, error) {
	type frame struct {
		t   wireType
		end int
	}
	var stack [maxWireDepth]frame
	depth, t, i, end := 0, root, 0, len(b)
	// Strings are copied out of the wire, rounded up to size classes (< 1/8).
	cost := int64(len(b)) + int64(len(b))/8 + msgCost[root]
	for {
		for i == end {
			if depth == 0 {
				return cost, nil
			}
			depth--
			t, end = stack[depth].t, stack[depth].end
		}
		// Tags of OTLP fields are one byte: read those inline, the rest as
		// pdata does. The walk runs before every decode (profiled at 18% of
		// the gateway's CPU under load before this fast path).
		var num protowire.Number
		var typ protowire.Type
		if c := b[i]; c < 0x80 && c >= 8 {
			num, typ = protowire.Number(c>>3), protowire.Type(c&7)
			i++
		} else {
			var err error
			if num, typ, i, err = wireTag(b[:end], i); err != nil {
				return 0, err
			}
		}
		f := fieldEntry{}
		if num < fieldTableSize {
			f = fieldTable[t][num]
		}
		switch typ {
		case protowire.BytesType:
			start, next := i+1, 0
			if i < end && b[i] < 0x80 {
				next = start + int(b[i])
				if next > end {
					return 0, errWireLength
				}
			} else {
				var err error
				if start, next, err = wireLen(b[:end], i); err != nil {
					return 0, err
				}
			}
			switch f.kind {
			case fieldMessage:
				if depth == len(stack) {
					return 0, errWireTooDeep
				}
				cost += msgCost[f.child]
				stack[depth] = frame{t, end}
				depth++
				t, end, i = f.child, next, start
				continue
			case fieldPackedVarint:
				for _, c := range b[start:next] {
					if c < 0x80 { // the last byte of each varint
						cost += costPerVarint
					}
				}
			case fieldRepeatedString:
				cost += costPerString
			case fieldOneof:
				cost += costPerOneof
			}
			i = next
			continue
		case protowire.Fixed64Type:
			if i += 8; i > end {
				return 0, errWireLength
			}
		case protowire.Fixed32Type:
			if i += 4; i > end {
				return 0, errWireLength
			}
		default:
			var err error
			if i, err = wireSkip(b[:end], i, typ); err != nil {
				return 0, err
			}
		}
		switch f.kind {
		case fieldPackedVarint:
			cost += costPerVarint // one unpacked element
		case fieldOneof:
			cost += costPerOneof
		}
	}
}

// fieldEntry is fieldOf as a table, read once per field by the walk.
type fieldEntry struct {
	child wireType
	kind  fieldKind
}

// fieldTableSize covers every field number OTLP gives a message or a
// repeated scalar (the highest is Span.status, 15); above it, fieldOther.
const fieldTableSize = 16

var fieldTable = func() (tab [wireLeaf + 1][fieldTableSize]fieldEntry) {
	for t := range tab {
		for num := 1; num < fieldTableSize; num++ {
			c, k := fieldOf(wireType(t), protowire.Number(num))
			tab[t][num] = fieldEntry{c, k}
		}
	}
	return tab
}()
