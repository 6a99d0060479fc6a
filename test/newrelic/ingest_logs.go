package newrelic

import (
	"encoding/json"
	"strconv"
	"strings"

	"go.opentelemetry.io/collector/pdata/plog"
)

// AttrEventType is the log record attribute that makes New Relic store a
// record as a custom event of that type instead of a Log.
const AttrEventType = "newrelic.event.type"

// curatedEvents are the OpenTelemetry database events New Relic stores as
// curated event types (its ingest's db-event-namespace processor; see
// testdata/SOURCES.md).
var curatedEvents = map[string]string{
	"db.server.top_query":           "DbServerTopQuery",
	"db.server.query_sample":        "DbServerQuerySample",
	"db.server.query_plan":          "DbServerQueryPlan",
	"db.server.top_procedure":       "DbServerTopProcedure",
	"db.server.session.wait_sample": "DbServerSessionWaitSample",
}

// EventType is the New Relic event type of a log record with the given
// event name and attributes:
//  1. a string attribute newrelic.event.type names a custom event type;
//  2. an event name New Relic curates (db.server.top_query, ...) becomes
//     its curated type (DbServerTopQuery, ...);
//  3. everything else is a Log (with the event name in event.name).
func EventType(eventName string, attrs map[string]any) string {
	if t, ok := attrs[AttrEventType].(string); ok && t != "" {
		return t
	}
	if t, ok := curatedEvents[eventName]; ok {
		return t
	}
	return "Log"
}

// AddLogs converts log records the way New Relic's OTLP endpoint does:
// resource, scope and record attributes flattened (record over scope over
// resource), otel.library.name/version from the scope, the body in
// message (a JSON object body is also parsed into attributes, above all
// others), severity fields, and the event name in event.name. The event
// type follows EventType. Entity fields are added later by Synthesize.
func (in *Ingest) AddLogs(ld plog.Logs) {
	for i := 0; i < ld.ResourceLogs().Len(); i++ {
		rl := ld.ResourceLogs().At(i)
		for j := 0; j < rl.ScopeLogs().Len(); j++ {
			sl := rl.ScopeLogs().At(j)
			for k := 0; k < sl.LogRecords().Len(); k++ {
				lr := sl.LogRecords().At(k)
				a := map[string]any{}
				flatten(a, "", rl.Resource().Attributes())
				flatten(a, "", sl.Scope().Attributes())
				flatten(a, "", lr.Attributes())
				scopeFields(a, sl.Scope())
				a["instrumentation.provider"] = "opentelemetry"
				a["newrelic.source"] = "api.logs.otlp"
				if lr.SeverityText() != "" {
					a["severity.text"] = lr.SeverityText()
				}
				if lr.SeverityNumber() != 0 {
					a["severity.number"] = float64(lr.SeverityNumber())
				}
				name := lr.EventName()
				if name == "" {
					name, _ = a["event.name"].(string)
				}
				if name != "" {
					a["event.name"] = name
				}
				if msg := lr.Body().AsString(); msg != "" {
					a["message"] = msg
					var obj map[string]any
					if strings.HasPrefix(strings.TrimSpace(msg), "{") && json.Unmarshal([]byte(msg), &obj) == nil {
						putJSON(a, "", obj)
					}
				}
				if len(a) > MaxLogAttrs {
					in.Dropped["log over "+strconv.Itoa(MaxLogAttrs)+" attributes: "+name]++
				}
				in.Events = append(in.Events, Event{Type: EventType(name, a), Attrs: a})
			}
		}
	}
}
