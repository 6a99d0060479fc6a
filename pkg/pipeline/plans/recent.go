package plans

import (
	"sync"
	"time"
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

func (r *recent) add(database string, cs []change, at time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range cs {
		r.list = append(r.list, RecentChange{At: at, Database: database, QueryID: c.queryID,
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
