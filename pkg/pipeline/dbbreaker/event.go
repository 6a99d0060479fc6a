package dbbreaker

import (
	"fmt"
	"time"

	"github.com/dbintel/dbintel/pkg/contract"
	"github.com/dbintel/dbintel/pkg/pipeline"
	"github.com/sony/gobreaker/v2"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

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
	b.mu.Lock()
	pending := b.pending
	b.pending = nil
	b.mu.Unlock()
	// Outside the lock: an event's key and identity never change.
	for _, ev := range pending {
		rl := bt.Logs.ResourceLogs().AppendEmpty()
		ev.k.identity.CopyTo(rl.Resource().Attributes())
		sl := rl.ScopeLogs().AppendEmpty()
		sl.Scope().SetName(contract.ScopeGateway)
		lr := sl.LogRecords().AppendEmpty()
		ts := pcommon.NewTimestampFromTime(ev.at)
		lr.SetTimestamp(ts)
		lr.SetObservedTimestamp(ts)
		lr.SetEventName(contract.EventBreaker)
		lr.SetSeverityNumber(plog.SeverityNumberInfo)
		lr.SetSeverityText("INFO")
		if ev.to == gobreaker.StateOpen {
			lr.SetSeverityNumber(plog.SeverityNumberWarn)
			lr.SetSeverityText("WARN")
		}
		a := lr.Attributes()
		// Backends that predate the EventName field (and NRQL's
		// event.name) read the attribute, as on plan_change events.
		a.PutStr(contract.AttrEventName, contract.EventBreaker)
		a.PutStr(contract.AttrBreakerKey, ev.k.key)
		a.PutStr(contract.AttrBreakerFrom, ev.from.String())
		a.PutStr(contract.AttrBreakerTo, ev.to.String())
		a.PutStr(contract.AttrBreakerReason, ev.reason)
		msg := fmt.Sprintf("breaker for %s: %s -> %s (%s)", ev.k.key, ev.from, ev.to, ev.reason)
		if ev.detail != "" {
			a.PutStr(contract.AttrBreakerDetail, ev.detail)
		}
		if ev.openFor > 0 {
			a.PutDouble(contract.AttrBreakerOpenSeconds, ev.openFor.Seconds())
			msg += fmt.Sprintf(": query-level data shed for %s", ev.openFor)
		}
		lr.Body().SetStr(msg)
	}
	b.m.events.Add(float64(len(pending)))
}
