package contract

import "go.opentelemetry.io/collector/pdata/pcommon"

// Attributes of the dbintel.breaker event, which the gateway's
// per-source breaker emits on every state change.
const (
	AttrBreakerKey         = "dbintel.breaker.key" // SourceKey of the source
	AttrBreakerFrom        = "dbintel.breaker.from"
	AttrBreakerTo          = "dbintel.breaker.to"
	AttrBreakerReason      = "dbintel.breaker.reason"
	AttrBreakerDetail      = "dbintel.breaker.detail"
	AttrBreakerOpenSeconds = "dbintel.breaker.open_seconds"
)

// AttrMetricOverflow marks the series that points beyond the cardinality
// limit fold into, named as the OpenTelemetry SDKs name theirs.
const AttrMetricOverflow = "otel.metric.overflow"

// EntityAttrs are the resource attributes that tie data to its New Relic
// entity and source. The gateway copies them, and only them, onto the
// resource of an event it emits about a source: New Relic attaches the
// event to the same entity, and a hostile resource cannot make the copy
// large.
var EntityAttrs = [...]string{
	AttrDBSystem, AttrDBProduct, AttrServerAddress, AttrServerPort, AttrServiceInstanceID,
	AttrHostName, AttrMySQLEndpoint, AttrServiceName,
}

// MeanExecSeconds returns a db.server.top_query record's mean execution
// time per call, in seconds, from the totals New Relic's receivers send:
// PostgreSQL total_exec_time (ms) over calls, MySQL sum_timer_wait (s) over
// count_star. ok is false when the record has neither pair or no calls.
func MeanExecSeconds(attrs pcommon.Map) (float64, bool) {
	for _, p := range [...]struct {
		total, calls string
		toSeconds    float64
	}{{PGTotalExecTime, PGCalls, 1e-3}, {MySQLSumTimerWait, MySQLCountStar, 1}} {
		t, ok1 := attrs.Get(p.total)
		c, ok2 := attrs.Get(p.calls)
		if !ok1 || !ok2 {
			continue
		}
		if n := number(c); n > 0 {
			return number(t) * p.toSeconds / n, true
		}
	}
	return 0, false
}

// number reads an int or double attribute; 0 for any other type.
func number(v pcommon.Value) float64 {
	switch v.Type() {
	case pcommon.ValueTypeInt:
		return float64(v.Int())
	case pcommon.ValueTypeDouble:
		return v.Double()
	}
	return 0
}

// QueryIDAttr is QueryID with the attribute the id was found in ("" when
// none), for events that repeat a record's id under the record's name.
func QueryIDAttr(attrs pcommon.Map) (id, attr string) {
	for _, k := range queryIDAttrs {
		if v, ok := attrs.Get(k); ok {
			return ValueString(v), k
		}
	}
	return "", ""
}
