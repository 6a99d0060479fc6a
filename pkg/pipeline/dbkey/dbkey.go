// Package dbkey names the source database of telemetry and tells
// query-level data from infrastructure data. The sampler, the per-database
// breaker and their tests share it so that "one database" and "query-level"
// mean the same thing in every stage.
package dbkey

import (
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

// Resource attributes that identify a database; service.name identifies any
// other sender.
const (
	AttrSystem      = "db.system.name"
	AttrAddress     = "server.address"
	AttrPort        = "server.port"
	AttrNamespace   = "db.namespace"
	AttrServiceName = "service.name"
	AttrQueryID     = "db.query.id"
	AttrEventName   = "event.name"
)

// IdentityAttrs are the resource attributes that make up a key, in order.
var IdentityAttrs = []string{AttrSystem, AttrAddress, AttrPort, AttrNamespace, AttrServiceName}

// Query-level event names (the scraper's and the plan extractor's).
const (
	EventTopQuery    = "db.server.top_query"
	EventQuerySample = "db.server.query_sample"
	EventBlocking    = "db.server.blocking"
	EventQueryPlan   = "db.server.query_plan"
	EventPlanChange  = "db.server.plan_change"
)

// Key returns the source identity of a resource:
// "postgresql://db1:5432/orders" for a database (address, port and
// namespace omitted when absent), "service:checkout" for another sender, and
// "" when the resource says nothing about its source.
func Key(res pcommon.Resource) string {
	attrs := res.Attributes()
	sys, ok := attrs.Get(AttrSystem)
	if !ok || sys.AsString() == "" {
		if svc, ok := attrs.Get(AttrServiceName); ok && svc.AsString() != "" {
			return "service:" + svc.AsString()
		}
		return ""
	}
	var b strings.Builder
	b.WriteString(sys.AsString())
	b.WriteString("://")
	if v, ok := attrs.Get(AttrAddress); ok {
		b.WriteString(v.AsString())
	}
	if v, ok := attrs.Get(AttrPort); ok {
		b.WriteByte(':')
		b.WriteString(v.AsString())
	}
	if v, ok := attrs.Get(AttrNamespace); ok && v.AsString() != "" {
		b.WriteByte('/')
		b.WriteString(v.AsString())
	}
	return b.String()
}

// IsDatabase reports whether the resource comes from a database (it carries
// db.system.name).
func IsDatabase(res pcommon.Resource) bool {
	_, ok := res.Attributes().Get(AttrSystem)
	return ok
}

// EventName returns the record's event name: the EventName field, else the
// event.name attribute (older SDKs), else "".
func EventName(lr plog.LogRecord) string {
	if n := lr.EventName(); n != "" {
		return n
	}
	if v, ok := lr.Attributes().Get(AttrEventName); ok && v.Type() == pcommon.ValueTypeStr {
		return v.Str()
	}
	return ""
}

// IsQueryLevelEvent reports whether an event name is one of the query-level
// events.
func IsQueryLevelEvent(name string) bool {
	switch name {
	case EventTopQuery, EventQuerySample, EventBlocking, EventQueryPlan, EventPlanChange:
		return true
	}
	return false
}

// IsQueryLevelLog reports whether a log record is a query-level event.
func IsQueryLevelLog(lr plog.LogRecord) bool { return IsQueryLevelEvent(EventName(lr)) }

// IsQueryLevelPoint reports whether a metric data point is per-query (it
// carries db.query.id). Everything else is infrastructure.
func IsQueryLevelPoint(attrs pcommon.Map) bool {
	_, ok := attrs.Get(AttrQueryID)
	return ok
}
