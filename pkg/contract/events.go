package contract

import (
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

// Event names (LogRecord.EventName). The first three are New Relic's
// (DbServerTopQuery, DbServerQuerySample, and the plan event its receivers
// send); the rest are dbintel's own.
const (
	EventTopQuery    = "db.server.top_query"
	EventQuerySample = "db.server.query_sample"
	EventQueryPlan   = "db.server.query_plan"
	EventBlocking    = "db.server.blocking"
	EventPlanChange  = "db.server.plan_change"
	EventBreaker     = "dbintel.breaker"
)

// Attributes shared by the query-level events of both systems, as New
// Relic's receivers send them.
const (
	AttrQueryText     = "db.query.text" // obfuscated at the source
	AttrQueryTextHash = "db.query.text.normalized.hash"
	AttrUserName      = "user.name"
	AttrPeerAddress   = "network.peer.address"
	AttrPeerPort      = "network.peer.port"
	AttrOperationName = "db.operation.name" // OTel semantic conventions
)

// dbintel's own attributes shared by both systems' query-level events.
const (
	AttrSampleCount     = "dbintel.sample_count" // samples of the emission window that saw this session doing this
	AttrBlockingWaiters = "dbintel.blocking.waiter_count"
	AttrBlockingChain   = "dbintel.blocking.chain"             // session ids, root first
	AttrBlockingMaxWait = "dbintel.blocking.max_wait_duration" // s
)

// EventName returns a record's event name: the EventName field, else the
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

// IsQueryLevelEvent reports whether an event name is a query-level event:
// the data the sampler and the per-database breaker may shed.
func IsQueryLevelEvent(name string) bool {
	switch name {
	case EventTopQuery, EventQuerySample, EventBlocking, EventQueryPlan, EventPlanChange:
		return true
	}
	return false
}
