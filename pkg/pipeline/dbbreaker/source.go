package dbbreaker

import (
	"sync"
	"time"

	"github.com/dbintel/dbintel/pkg/contract"
	"github.com/dbintel/dbintel/pkg/pipeline/dbkey"
	"github.com/sony/gobreaker/v2"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

// source is one resource's breaker as one Process call sees it, with the
// items of the metric or scope of log records in hand. Sources are pooled
// with their slices and bound callbacks, so a batch allocates next to
// nothing.
type source struct {
	b        *Breaker
	res      pcommon.Resource
	key      string
	now      time.Time
	k        *keyState // nil until the source's first query-level item
	nameHash uint64    // of the key and the metric in hand
	items    []item
	pass     []bool // by item, set by decide
	next     int    // the item the drop callbacks answer for
	shed     int

	collectPoint func(dbkey.Point) bool
	dropPoint    func(dbkey.Point) bool
	dropRecord   func(plog.LogRecord) bool
}

type item struct {
	query  bool
	series uint64 // of a query-level point
}

var sources = sync.Pool{New: func() any {
	s := &source{}
	s.collectPoint = s.collect
	s.dropPoint = func(dbkey.Point) bool { return s.drop() }
	s.dropRecord = func(plog.LogRecord) bool { return s.drop() }
	return s
}}

// begin looks a resource's key up and moves its breaker to now. A source
// gets a breaker only once it sends query-level data.
func (b *Breaker) begin(res pcommon.Resource, now time.Time) *source {
	src := sources.Get().(*source)
	src.b, src.res, src.key, src.now, src.k, src.shed = b, res, keyOf(res), now, nil, 0
	b.mu.Lock()
	defer b.mu.Unlock()
	b.now = now
	if k, ok := b.keys.Get(src.key); ok {
		b.advance(k, now)
		src.k = k
	}
	return src
}

// release adds the source's shed items to *shed and returns it to the pool.
func (s *source) release(shed *int) {
	*shed += s.shed
	s.b, s.k, s.res = nil, nil, pcommon.Resource{}
	sources.Put(s)
}

// collect notes one point: whether it is query-level, and its series.
func (s *source) collect(p dbkey.Point) bool {
	it := item{query: contract.IsQueryLevelPoint(p.Attrs)}
	if it.query {
		it.series = dbkey.Mix(dbkey.HashMap(s.nameHash, p.Attrs))
	}
	s.items = append(s.items, it)
	return false
}

// drop reports whether the next item (in decide's order) is shed.
func (s *source) drop() bool {
	pass := s.pass[s.next]
	s.next++
	if !pass {
		s.shed++
	}
	return !pass
}

// decide counts the query-level items in hand against the source's budgets
// in one critical section, in order (an item that trips the breaker sheds
// the ones after it), and reports whether any is query-level.
func (s *source) decide(points bool) bool {
	s.pass, s.next = s.pass[:0], 0
	query := false
	for _, it := range s.items {
		query = query || it.query
	}
	if !query {
		return false
	}
	b := s.b
	b.mu.Lock()
	defer b.mu.Unlock()
	b.now = s.now
	for _, it := range s.items {
		s.pass = append(s.pass, !it.query || s.admit(it.series, points))
	}
	return true
}

// admit counts one query-level item against the source's budgets and
// reports whether it passes (false: the breaker is open). series is the
// item's series hash when isPoint. b.mu must be held.
func (s *source) admit(series uint64, isPoint bool) bool {
	b := s.b
	if s.k == nil || s.k.evicted { // evicted by another batch: look it up again
		s.k = b.state(s.key, s.res)
	}
	k := s.k
	if k.state == gobreaker.StateOpen {
		return false
	}
	k.volume++
	if isPoint {
		if _, seen := b.series.Get(series); !seen {
			k.newSeries++
		}
		b.series.Put(series, s.now.UnixNano())
	}
	b.check(k)
	return true
}
