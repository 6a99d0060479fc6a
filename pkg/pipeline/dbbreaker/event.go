package dbbreaker

import (
	"fmt"
	"time"

	"github.com/dbintel/dbintel/pkg/pipeline"
	"github.com/sony/gobreaker/v2"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

// EventName is the event name of the records the breaker emits.
const EventName = "dbintel.breaker"

const scopeName = "github.com/dbintel/dbintel/pkg/pipeline/dbbreaker"

// event is a state change waiting for a batch to ride on.
type event struct {
	k        *keyState
	from, to gobreaker.State
	reason   string
	detail   string
	at       time.Time
	openFor  time.Duration
}

// flushEvents appends one log record per pending state change to b, each
// under a resource naming its source, so users see in the backend which
// database was shed and why.
func (b *Breaker) flushEvents(bt pipeline.Batch) {
	for _, ev := range b.pending {
		rl := bt.Logs.ResourceLogs().AppendEmpty()
		ev.k.identity.CopyTo(rl.Resource().Attributes())
		sl := rl.ScopeLogs().AppendEmpty()
		sl.Scope().SetName(scopeName)
		lr := sl.LogRecords().AppendEmpty()
		ts := pcommon.NewTimestampFromTime(ev.at)
		lr.SetTimestamp(ts)
		lr.SetObservedTimestamp(ts)
		lr.SetEventName(EventName)
		lr.SetSeverityNumber(plog.SeverityNumberInfo)
		lr.SetSeverityText("INFO")
		if ev.to == gobreaker.StateOpen {
			lr.SetSeverityNumber(plog.SeverityNumberWarn)
			lr.SetSeverityText("WARN")
		}
		a := lr.Attributes()
		a.PutStr("key", ev.k.key)
		a.PutStr("from", ev.from.String())
		a.PutStr("to", ev.to.String())
		a.PutStr("reason", ev.reason)
		msg := fmt.Sprintf("breaker for %s: %s -> %s (%s)", ev.k.key, ev.from, ev.to, ev.reason)
		if ev.detail != "" {
			a.PutStr("detail", ev.detail)
		}
		if ev.openFor > 0 {
			a.PutDouble("open_seconds", ev.openFor.Seconds())
			msg += fmt.Sprintf(": query-level data shed for %s", ev.openFor)
		}
		lr.Body().SetStr(msg)
	}
	b.m.events.Add(float64(len(b.pending)))
	clear(b.pending)
	b.pending = b.pending[:0]
}
