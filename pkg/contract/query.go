package contract

import "go.opentelemetry.io/collector/pdata/pcommon"

// queryIDAttrs are the attributes that identify a statement in a
// query-level record, by system, in the order they are looked up.
var queryIDAttrs = [...]string{PGQueryID, PGSampleQueryID, MySQLDigest, MySQLCurrentDigest}

// QueryID returns the statement id of a query-level record's attributes
// (any system), "" when it has none. Samplers key on it so that several
// gateways make the same decision.
func QueryID(attrs pcommon.Map) string {
	for _, k := range queryIDAttrs {
		if v, ok := attrs.Get(k); ok {
			return ValueString(v)
		}
	}
	return ""
}

// IsQueryLevelPoint reports whether a metric data point is per-statement (it
// carries a statement id). Everything else is infrastructure.
func IsQueryLevelPoint(attrs pcommon.Map) bool { return QueryID(attrs) != "" }

// PlanAttrs are the attributes that carry a plan's JSON in a
// db.server.query_plan event, per system.
var PlanAttrs = [...]string{PGQueryPlan, MySQLQueryPlan}

// Plan returns the plan JSON of a record's attributes and the attribute it
// was found in; ok is false when there is none.
func Plan(attrs pcommon.Map) (plan, attr string, ok bool) {
	for _, k := range PlanAttrs {
		if v, found := attrs.Get(k); found && v.Type() == pcommon.ValueTypeStr {
			return v.Str(), k, true
		}
	}
	return "", "", false
}
