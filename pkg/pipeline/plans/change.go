package plans

import (
	"fmt"
	"sync"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/dbintel/dbintel/pkg/contract"
	"github.com/dbintel/dbintel/pkg/pipeline/dbkey"
)

// changeEventBody is the body of every plan_change event.
const changeEventBody = "query plan changed"

type lastPlan struct {
	hash    string
	cost    float64
	hasCost bool
}

// query names the statement a plan belongs to: its source
// (contract.SourceKey), database (db.namespace, on the record as New
// Relic's receivers send it, else on the resource) and statement id, with
// the attribute the id came in so the plan_change event repeats it.
type query struct {
	source, namespace, id, idAttr string
}

// key is the tracker's key: a hash, so an entry's size does not depend on
// what a sender puts in its identity attributes.
func (q query) key() uint64 {
	h := dbkey.HashString(dbkey.HashOffset, q.source)
	h = dbkey.HashString(h, q.namespace)
	return dbkey.Mix(dbkey.HashString(h, q.id))
}

// change is one detected plan change, waiting to become an event.
type change struct {
	q         query
	old, new  lastPlan
	timestamp pcommon.Timestamp
}

// tracker remembers the last plan per query, bounded by an LRU. The mutex
// makes look-up-and-replace one step, so two batches carrying the same new
// plan report one change, not two.
type tracker struct {
	mu    sync.Mutex
	cache *lru.Cache[uint64, lastPlan]
}

func newTracker(size int, onEvict func()) (*tracker, error) {
	c, err := lru.NewWithEvict(size, func(uint64, lastPlan) { onEvict() })
	if err != nil {
		return nil, fmt.Errorf("plans: change cache: %w", err)
	}
	return &tracker{cache: c}, nil
}

// observe records plan p for key and returns the previous plan when it had
// a different hash.
func (t *tracker) observe(key uint64, p lastPlan) (lastPlan, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	old, seen := t.cache.Get(key)
	t.cache.Add(key, p)
	return old, seen && old.hash != p.hash
}

// appendChanges adds one scope with a db.server.plan_change event per
// change to rl: the events carry the same resource as the plans that caused
// them, so New Relic attaches them to the same entity.
func appendChanges(rl plog.ResourceLogs, changes []change, now time.Time) {
	sl := rl.ScopeLogs().AppendEmpty()
	sl.Scope().SetName(contract.ScopeGateway)
	for _, c := range changes {
		r := sl.LogRecords().AppendEmpty()
		r.SetEventName(contract.EventPlanChange)
		r.SetTimestamp(c.timestamp)
		r.SetObservedTimestamp(pcommon.NewTimestampFromTime(now))
		r.SetSeverityNumber(plog.SeverityNumberInfo)
		r.SetSeverityText("INFO")
		r.Body().SetStr(changeEventBody)
		a := r.Attributes()
		// Backends that predate the EventName field read the attribute.
		a.PutStr(contract.AttrEventName, contract.EventPlanChange)
		a.PutStr(c.q.idAttr, c.q.id)
		if c.q.namespace != "" {
			a.PutStr(contract.AttrNamespace, c.q.namespace)
		}
		a.PutStr(contract.AttrPlanPreviousHash, c.old.hash)
		a.PutStr(contract.AttrPlanHash, c.new.hash)
		if c.old.hasCost {
			a.PutDouble(contract.AttrPlanPreviousCost, c.old.cost)
		}
		if c.new.hasCost {
			a.PutDouble(contract.AttrPlanTotalCost, c.new.cost)
		}
	}
}
