package otlpserver

import "google.golang.org/protobuf/encoding/protowire"

// wireType is an OTLP message type (opentelemetry-proto v1), for the walk
// that estimates a request's decoded size. Only fields holding messages or
// repeated scalars are listed: every other field costs its wire bytes.
type wireType uint8

const (
	wireLogsRequest wireType = iota
	wireMetricsRequest
	wireTracesRequest
	wireResourceLogs
	wireResourceMetrics
	wireResourceSpans
	wireResource
	wireEntityRef
	wireScope
	wireScopeLogs
	wireScopeMetrics
	wireScopeSpans
	wireLogRecord
	wireKeyValue
	wireAnyValue // an element of an ArrayValue
	wireValue    // an AnyValue held in its parent: KeyValue.value, LogRecord.body
	wireArrayValue
	wireKeyValueList
	wireMetric
	wireNumberPoints // Gauge and Sum: data_points = 1
	wireHistogram
	wireExpHistogram
	wireSummary
	wireNumberPoint
	wireHistogramPoint
	wireExpHistogramPoint
	wireSummaryPoint
	wireBuckets
	wireQuantile
	wireExemplar
	wireSpan
	wireSpanEvent
	wireSpanLink
	wireStatus
	wireLeaf // a message with no message fields
)

type fieldKind uint8

const (
	fieldOther fieldKind = iota
	fieldMessage
	fieldPackedVarint
	fieldRepeatedString
	fieldOneof // a scalar of a oneof: every occurrence allocates its wrapper
)

// fieldOf is field num of message t: its kind and, for a message, its type.
func fieldOf(t wireType, num protowire.Number) (wireType, fieldKind) {
	msg := func(c wireType) (wireType, fieldKind) { return c, fieldMessage }
	switch t {
	case wireLogsRequest:
		if num == 1 {
			return msg(wireResourceLogs)
		}
	case wireMetricsRequest:
		if num == 1 {
			return msg(wireResourceMetrics)
		}
	case wireTracesRequest:
		if num == 1 {
			return msg(wireResourceSpans)
		}
	case wireResourceLogs, wireResourceMetrics, wireResourceSpans:
		switch num {
		case 1:
			return msg(wireResource)
		case 2:
			return msg(t - wireResourceLogs + wireScopeLogs)
		}
	case wireResource:
		switch num {
		case 1:
			return msg(wireKeyValue)
		case 3:
			return msg(wireEntityRef)
		}
	case wireEntityRef:
		if num == 3 || num == 4 { // id_keys, description_keys
			return wireLeaf, fieldRepeatedString
		}
	case wireScope:
		if num == 3 {
			return msg(wireKeyValue)
		}
	case wireScopeLogs, wireScopeMetrics, wireScopeSpans:
		switch num {
		case 1:
			return msg(wireScope)
		case 2:
			return msg([...]wireType{wireLogRecord, wireMetric, wireSpan}[t-wireScopeLogs])
		}
	case wireLogRecord:
		switch num {
		case 5:
			return msg(wireValue)
		case 6:
			return msg(wireKeyValue)
		}
	case wireKeyValue:
		if num == 2 {
			return msg(wireValue)
		}
	case wireAnyValue, wireValue:
		switch num {
		case 1, 2, 3, 4, 7:
			return wireLeaf, fieldOneof
		case 5:
			return msg(wireArrayValue)
		case 6:
			return msg(wireKeyValueList)
		}
	case wireArrayValue:
		if num == 1 {
			return msg(wireAnyValue)
		}
	case wireKeyValueList:
		if num == 1 {
			return msg(wireKeyValue)
		}
	case wireMetric:
		switch num {
		case 5, 7:
			return msg(wireNumberPoints)
		case 9:
			return msg(wireHistogram)
		case 10:
			return msg(wireExpHistogram)
		case 11:
			return msg(wireSummary)
		case 12:
			return msg(wireKeyValue)
		}
	case wireNumberPoints, wireHistogram, wireExpHistogram, wireSummary:
		if num == 1 {
			return msg(t - wireNumberPoints + wireNumberPoint)
		}
	case wireNumberPoint:
		switch num {
		case 4, 6: // as_double, as_int
			return wireLeaf, fieldOneof
		case 5:
			return msg(wireExemplar)
		case 7:
			return msg(wireKeyValue)
		}
	case wireHistogramPoint:
		switch num {
		case 8:
			return msg(wireExemplar)
		case 9:
			return msg(wireKeyValue)
		}
	case wireExpHistogramPoint:
		switch num {
		case 1:
			return msg(wireKeyValue)
		case 8, 9:
			return msg(wireBuckets)
		case 11:
			return msg(wireExemplar)
		}
	case wireBuckets:
		if num == 2 {
			return wireLeaf, fieldPackedVarint
		}
	case wireSummaryPoint:
		switch num {
		case 6:
			return msg(wireQuantile)
		case 7:
			return msg(wireKeyValue)
		}
	case wireExemplar:
		switch num {
		case 3, 6: // as_double, as_int
			return wireLeaf, fieldOneof
		case 7:
			return msg(wireKeyValue)
		}
	case wireSpan:
		switch num {
		case 9:
			return msg(wireKeyValue)
		case 11:
			return msg(wireSpanEvent)
		case 13:
			return msg(wireSpanLink)
		case 15:
			return msg(wireStatus)
		}
	case wireSpanEvent:
		if num == 3 {
			return msg(wireKeyValue)
		}
	case wireSpanLink:
		if num == 4 {
			return msg(wireKeyValue)
		}
	}
	return wireLeaf, fieldOther
}
