package plans

import (
	"sync"
	"time"

	"github.com/dbintel/dbintel/pkg/contract"
)

// recentLimit bounds the plan changes kept for the status page.
const recentLimit = 50

// RecentChange is one plan change as the status page lists it.
type RecentChange struct {
	At                time.Time
	Database, QueryID string
	OldHash, NewHash  string
	OldCost, NewCost  float64
}

// recent keeps the last recentLimit changes, newest last.
type recent struct {
	mu   sync.Mutex
	list []RecentChange
}

// add keeps cs. Database and query id come from input, so they are
// bounded (contract.BoundLabel) before the status page shows them.
func (r *recent) add(cs []change, at time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range cs {
		db := c.q.source
		if c.q.namespace != "" {
			db += "/" + c.q.namespace
		}
		r.list = append(r.list, RecentChange{At: at, Database: contract.BoundLabel(db), QueryID: contract.BoundLabel(c.q.id),
			OldHash: c.old.hash, NewHash: c.new.hash, OldCost: c.old.cost, NewCost: c.new.cost})
	}
	if over := len(r.list) - recentLimit; over > 0 {
		r.list = append(r.list[:0:0], r.list[over:]...)
	}
}

// RecentChanges returns the latest plan changes, newest first.
func (e *Extractor) RecentChanges() []RecentChange {
	e.recent.mu.Lock()
	defer e.recent.mu.Unlock()
	out := make([]RecentChange, len(e.recent.list))
	for i, c := range e.recent.list {
		out[len(out)-1-i] = c
	}
	return out
}
