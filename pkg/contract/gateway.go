package contract

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
