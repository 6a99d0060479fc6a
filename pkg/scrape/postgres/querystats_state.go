package postgres

import (
	"sort"
	"time"
)

// stmtState is what the scraper remembers about one entry between scrapes.
type stmtState struct {
	c    stmtCounters
	own  bool // the scraper's own statement: never reported
	seen uint64
}

// stmtDelta is the activity of one entry during the last interval.
type stmtDelta struct {
	key              stmtKey
	datname, rolname string
	d                stmtCounters
}

// stmtTracker turns cumulative pg_stat_statements counters into interval
// deltas. Rules: the first scrape (and the first after a reset of the
// view) is a silent baseline; an entry whose counters went down was reset
// on its own and is re-baselined; an entry that appears after a complete
// scrape was created during the interval, so all its counts belong to it.
// At most max entries are tracked; while the table is full, new entries are
// not emitted, and the next scrape treats unknown entries as baselines.
type stmtTracker struct {
	max int
	// Values, not pointers: a map without pointers is not scanned by the
	// GC, which runs often at the scraper's low gc_percent.
	state      map[stmtKey]stmtState
	baselined  bool
	overflowed bool
	gen        uint64
}

func newStmtTracker(max int) *stmtTracker {
	return &stmtTracker{max: max, state: map[stmtKey]stmtState{}}
}

// known reports whether key is tracked.
func (t *stmtTracker) known(k stmtKey) bool { _, ok := t.state[k]; return ok }

// reset forgets everything: the next apply is a baseline.
func (t *stmtTracker) reset() {
	clear(t.state)
	t.baselined = false
}

// apply records rows and returns the deltas to report. own tells whether a
// new key is the scraper's own statement.
func (t *stmtTracker) apply(rows []stmtRow, own func(stmtKey) bool) (out []stmtDelta, dropped int) {
	t.gen++
	baseline := !t.baselined
	trustNew := t.baselined && !t.overflowed
	overflow := false
	for _, r := range rows {
		st, ok := t.state[r.key]
		if !ok {
			if len(t.state) >= t.max {
				overflow = true
				dropped++
				continue
			}
			st = stmtState{c: r.c, own: own(r.key), seen: t.gen}
			t.state[r.key] = st
			if trustNew && !st.own && r.c.calls > 0 {
				out = append(out, stmtDelta{key: r.key, datname: r.datname, rolname: r.rolname, d: r.c})
			}
			continue
		}
		prev := st.c
		st.c, st.seen = r.c, t.gen
		t.state[r.key] = st
		if baseline || st.own || r.c.calls == prev.calls || decreased(r.c, prev) {
			continue
		}
		out = append(out, stmtDelta{key: r.key, datname: r.datname, rolname: r.rolname, d: sub(r.c, prev)})
	}
	for k, st := range t.state {
		if st.seen != t.gen {
			delete(t.state, k)
		}
	}
	t.baselined, t.overflowed = true, overflow
	return out, dropped
}

func decreased(c, p stmtCounters) bool {
	return c.calls < p.calls || c.execMS < p.execMS || c.planMS < p.planMS || c.rows < p.rows ||
		c.sharedHit < p.sharedHit || c.sharedRead < p.sharedRead || c.tempWritten < p.tempWritten || c.walBytes < p.walBytes
}

func sub(c, p stmtCounters) stmtCounters {
	return stmtCounters{
		calls: c.calls - p.calls, execMS: c.execMS - p.execMS, planMS: c.planMS - p.planMS, rows: c.rows - p.rows,
		sharedHit: c.sharedHit - p.sharedHit, sharedRead: c.sharedRead - p.sharedRead,
		sharedDirtied: max(c.sharedDirtied-p.sharedDirtied, 0), sharedWritten: max(c.sharedWritten-p.sharedWritten, 0),
		localHit: max(c.localHit-p.localHit, 0), localRead: max(c.localRead-p.localRead, 0),
		tempRead: max(c.tempRead-p.tempRead, 0), tempWritten: c.tempWritten - p.tempWritten, walBytes: c.walBytes - p.walBytes,
	}
}

// topN sorts deltas by total (execution + planning) time, longest first,
// and keeps n.
func topN(deltas []stmtDelta, n int) []stmtDelta {
	sort.Slice(deltas, func(i, j int) bool {
		ti, tj := deltas[i].d.execMS+deltas[i].d.planMS, deltas[j].d.execMS+deltas[j].d.planMS
		if ti != tj {
			return ti > tj
		}
		return deltas[i].key.queryid < deltas[j].key.queryid // stable output for equal times
	})
	if len(deltas) > n {
		deltas = deltas[:n]
	}
	return deltas
}

// add sums the counters that per-database totals carry.
func add(a, b stmtCounters) stmtCounters {
	a.calls += b.calls
	a.execMS += b.execMS
	a.planMS += b.planMS
	a.rows += b.rows
	return a
}

// dbTotals sums deltas per database.
func dbTotals(deltas []stmtDelta) map[string]stmtCounters {
	out := map[string]stmtCounters{}
	for _, d := range deltas {
		out[d.datname] = add(out[d.datname], d.d)
	}
	return out
}

// msToS converts PostgreSQL's milliseconds to the seconds we send.
func msToS(ms float64) float64 { return ms / float64(time.Second/time.Millisecond) }
