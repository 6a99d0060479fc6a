package mysql

import (
	"sort"
	"time"
)

// digestState is what the scraper remembers about one row between scrapes.
type digestState struct {
	c         digestCounters
	firstSeen time.Time
	seen      uint64
}

// digestDelta is the activity of one digest during the last interval.
type digestDelta struct {
	key digestKey
	d   digestCounters
}

// digestTracker turns the cumulative digest counters into interval deltas.
// Rules: the first scrape is a silent baseline; a row whose FIRST_SEEN
// changed was re-created (TRUNCATE of the table, or the server restarted)
// after the previous scrape, so all its counts belong to this interval; a
// row whose counters went down was re-created too, within the same second
// as the old one (FIRST_SEEN has second precision), so it is treated the
// same way: its counts are at most what happened since; a row that
// appears after a complete scrape was created during the interval. At most
// max rows are tracked; while the table is full new rows are not emitted
// and the next scrape treats unknown rows as baselines.
type digestTracker struct {
	max        int
	state      map[digestKey]*digestState
	baselined  bool
	overflowed bool
	gen        uint64
}

func newDigestTracker(max int) *digestTracker {
	return &digestTracker{max: max, state: map[digestKey]*digestState{}}
}

// apply records rows and returns the deltas to report, how many rows were
// not tracked for lack of room, and how many rows were seen reset.
func (t *digestTracker) apply(rows []digestRow) (out []digestDelta, dropped, resets int) {
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
			t.state[r.key] = &digestState{c: r.c, firstSeen: r.firstSeen, seen: t.gen}
			if trustNew && r.c.calls > 0 {
				out = append(out, digestDelta{key: r.key, d: r.c})
			}
			continue
		}
		prev, prevFirst := st.c, st.firstSeen
		st.c, st.firstSeen, st.seen = r.c, r.firstSeen, t.gen
		switch {
		case baseline:
		case !r.firstSeen.Equal(prevFirst) || decreasedDigest(r.c, prev):
			resets++
			if r.c.calls > 0 {
				out = append(out, digestDelta{key: r.key, d: r.c})
			}
		case r.c.calls == prev.calls:
		default:
			out = append(out, digestDelta{key: r.key, d: subDigest(r.c, prev)})
		}
	}
	for k, st := range t.state {
		if st.seen != t.gen {
			delete(t.state, k)
		}
	}
	t.baselined, t.overflowed = true, overflow
	return out, dropped, resets
}

func decreasedDigest(c, p digestCounters) bool {
	return c.calls < p.calls || c.timerPS < p.timerPS || c.lockPS < p.lockPS || c.errors < p.errors ||
		c.warnings < p.warnings || c.rowsAffected < p.rowsAffected || c.rowsSent < p.rowsSent ||
		c.rowsExamined < p.rowsExamined || c.tmpDiskTables < p.tmpDiskTables || c.tmpTables < p.tmpTables ||
		c.fullJoins < p.fullJoins || c.selectScans < p.selectScans || c.sortMergePasses < p.sortMergePasses ||
		c.sortRows < p.sortRows || c.noIndexUsed < p.noIndexUsed || c.noGoodIndexUsed < p.noGoodIndexUsed
}

// subDigest is c - p; callers made sure no counter went down.
func subDigest(c, p digestCounters) digestCounters {
	return digestCounters{
		calls: c.calls - p.calls, timerPS: c.timerPS - p.timerPS, lockPS: c.lockPS - p.lockPS,
		errors: c.errors - p.errors, warnings: c.warnings - p.warnings,
		rowsAffected: c.rowsAffected - p.rowsAffected, rowsSent: c.rowsSent - p.rowsSent, rowsExamined: c.rowsExamined - p.rowsExamined,
		tmpDiskTables: c.tmpDiskTables - p.tmpDiskTables, tmpTables: c.tmpTables - p.tmpTables,
		fullJoins: c.fullJoins - p.fullJoins, selectScans: c.selectScans - p.selectScans,
		sortMergePasses: c.sortMergePasses - p.sortMergePasses, sortRows: c.sortRows - p.sortRows,
		noIndexUsed: c.noIndexUsed - p.noIndexUsed, noGoodIndexUsed: c.noGoodIndexUsed - p.noGoodIndexUsed,
	}
}

// topDigests sorts deltas by total time, longest first, and keeps n.
func topDigests(deltas []digestDelta, n int) []digestDelta {
	sort.Slice(deltas, func(i, j int) bool {
		if deltas[i].d.timerPS != deltas[j].d.timerPS {
			return deltas[i].d.timerPS > deltas[j].d.timerPS
		}
		if deltas[i].key.schema != deltas[j].key.schema { // stable output for equal times
			return deltas[i].key.schema < deltas[j].key.schema
		}
		return deltas[i].key.digest < deltas[j].key.digest
	})
	if len(deltas) > n {
		deltas = deltas[:n]
	}
	return deltas
}

// psPerSecond is performance_schema's timer resolution: picoseconds.
const psPerSecond = 1e12

// psToS converts performance_schema picoseconds to the seconds we send.
func psToS(ps uint64) float64 { return float64(ps) / psPerSecond }
