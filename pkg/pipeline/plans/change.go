package plans

import (
	"fmt"
	"strings"
	"sync"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

// Names of the plan-change event and its attributes. The new plan's hash
// and cost keep the names they have on plan records, so a plan_change
// event joins to the plans that caused it; the old ones are "previous_".
const (
	eventPlan           = "db.server.query_plan"
	eventPlanChange     = "db.server.plan_change"
	attrEventName       = "event.name"
	attrQueryID         = "db.query.id"
	attrHash            = "db.query.plan.hash"
	attrPreviousHash    = "db.query.plan.previous_hash"
	attrTotalCost       = "db.query.plan.total_cost"
	attrPreviousCost    = "db.query.plan.previous_total_cost"
	scopeName           = "github.com/dbintel/dbintel/pkg/pipeline/plans"
	changeEventBodyText = "query plan changed"
)

// databaseKeys identify a database among the resource attributes.
var databaseKeys = [...]string{"db.system.name", "server.address", "server.port", "db.namespace"}

type lastPlan struct {
	hash    string
	cost    float64
	hasCost bool
}

// change is one detected plan change, waiting to become an event.
type change struct {
	queryID   string
	old, new  lastPlan
	timestamp pcommon.Timestamp
}

// tracker remembers the last plan per (database, query id), bounded by an
// LRU. The mutex makes look-up-and-replace one step, so two batches
// carrying the same new plan report one change, not two.
type tracker struct {
	mu    sync.Mutex
	cache *lru.Cache[string, lastPlan]
}

func newTracker(size int, onEvict func()) (*tracker, error) {
	c, err := lru.NewWithEvict(size, func(string, lastPlan) { onEvict() })
	if err != nil {
		return nil, fmt.Errorf("plans: change cache: %w", err)
	}
	return &tracker{cache: c}, nil
}

// observe records plan p for key and returns the previous plan when it had
// a different hash.
func (t *tracker) observe(key string, p lastPlan) (lastPlan, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	old, seen := t.cache.Get(key)
	t.cache.Add(key, p)
	return old, seen && old.hash != p.hash
}

// databaseKey renders the database identity of a resource; attributes that
// are absent render empty, which still separates databases that set them.
func databaseKey(res pcommon.Map, queryID string) string {
	var b strings.Builder
	for _, k := range databaseKeys {
		if v, ok := res.Get(k); ok {
			b.WriteString(v.AsString())
		}
		b.WriteByte(0)
	}
	b.WriteString(queryID)
	return b.String()
}

// databaseName renders the database identity for people: the resource's
// identity attributes joined by "/", absent ones left out.
func databaseName(res pcommon.Map) string {
	var parts []string
	for _, k := range databaseKeys {
		if v, ok := res.Get(k); ok {
			parts = append(parts, v.AsString())
		}
	}
	return strings.Join(parts, "/")
}

// appendChanges adds one scope with a db.server.plan_change event per
// change to rl, so the events carry the same resource (database) as the
// plans that caused them.
func appendChanges(rl plog.ResourceLogs, changes []change, now time.Time) {
	sl := rl.ScopeLogs().AppendEmpty()
	sl.Scope().SetName(scopeName)
	for _, c := range changes {
		r := sl.LogRecords().AppendEmpty()
		r.SetEventName(eventPlanChange)
		r.SetTimestamp(c.timestamp)
		r.SetObservedTimestamp(pcommon.NewTimestampFromTime(now))
		r.SetSeverityNumber(plog.SeverityNumberInfo)
		r.SetSeverityText("INFO")
		r.Body().SetStr(changeEventBodyText)
		a := r.Attributes()
		// Backends that predate the EventName field read the attribute.
		a.PutStr(attrEventName, eventPlanChange)
		a.PutStr(attrQueryID, c.queryID)
		a.PutStr(attrPreviousHash, c.old.hash)
		a.PutStr(attrHash, c.new.hash)
		if c.old.hasCost {
			a.PutDouble(attrPreviousCost, c.old.cost)
		}
		if c.new.hasCost {
			a.PutDouble(attrTotalCost, c.new.cost)
		}
	}
}
