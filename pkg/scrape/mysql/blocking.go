package mysql

import (
	"sort"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/dbintel/dbintel/pkg/scrape"
)

// chainNode is one session of a blocking chain.
type chainNode struct {
	s     session
	depth int // 0 = root blocker
}

// blockingChains groups the sessions of one sample into blocking trees,
// each root blocker first, then breadth-first by who waits on whom. A
// blocker missing from the sample (its session just ended) is a root with
// only its id known; sessions waiting on each other in a cycle (a deadlock
// InnoDB is about to break) form a chain rooted at their lowest id.
func blockingChains(sample []session) [][]chainNode {
	byID := make(map[int64]session, len(sample))
	waiters := map[int64][]int64{}
	var waiting []int64
	for _, s := range sample {
		byID[s.id] = s
		if len(s.blockedBy) > 0 {
			waiting = append(waiting, s.id)
			for _, b := range s.blockedBy {
				waiters[b] = append(waiters[b], s.id)
			}
		}
	}
	if len(waiting) == 0 {
		return nil
	}
	var roots []int64
	for b := range waiters {
		if s, ok := byID[b]; !ok || len(s.blockedBy) == 0 {
			roots = append(roots, b)
		}
	}
	sort.Slice(roots, func(i, j int) bool { return roots[i] < roots[j] })
	sort.Slice(waiting, func(i, j int) bool { return waiting[i] < waiting[j] })
	reached := map[int64]bool{}
	var chains [][]chainNode
	walk := func(root int64) {
		s, ok := byID[root]
		if !ok {
			s = session{id: root}
		}
		chain := []chainNode{{s: s}}
		reached[root] = true
		for i := 0; i < len(chain); i++ {
			next := append([]int64(nil), waiters[chain[i].s.id]...)
			sort.Slice(next, func(a, b int) bool { return next[a] < next[b] })
			for _, w := range next {
				if !reached[w] {
					reached[w] = true
					chain = append(chain, chainNode{s: byID[w], depth: chain[i].depth + 1})
				}
			}
		}
		chains = append(chains, chain)
	}
	for _, r := range roots {
		walk(r)
	}
	for _, w := range waiting { // left over: cycles
		if !reached[w] {
			walk(w)
		}
	}
	return chains
}

// blockingEvent writes one db.server.blocking event for a chain: the body
// lists every session root first (whom it waits on, its lock, its
// obfuscated statement); attributes summarise it for filtering.
func (s *samples) blockingEvent(lb *scrape.LogsBuilder, chain []chainNode, now time.Time) {
	root := chain[0].s
	lr := lb.Event(root.db, "db.server.blocking", now)
	a := lr.Attributes()
	a.PutInt("mysql.blocking.root_thread_id", root.id)
	a.PutInt("mysql.blocking.waiter_count", int64(len(chain)-1))
	ids := a.PutEmptySlice("mysql.blocking.chain")
	var maxWait float64
	for _, n := range chain {
		ids.AppendEmpty().SetInt(n.s.id)
		maxWait = max(maxWait, n.s.lockWaitS)
	}
	a.PutDouble("mysql.blocking.max_wait_duration", maxWait)
	if len(chain) > 1 { // the lock the first waiter wants
		w := chain[1].s
		a.PutStr("mysql.blocking.lock.mode", w.lockMode)
		a.PutStr("mysql.blocking.lock.type", w.lockType)
		a.PutStr("mysql.blocking.lock.relation", w.lockRelation)
	}
	body := lr.Body().SetEmptyMap().PutEmptySlice("sessions")
	for _, n := range chain {
		m := body.AppendEmpty().SetEmptyMap()
		m.PutInt("depth", int64(n.depth))
		s.sessionAttrs(m, n.s)
	}
}

// sessionAttrs writes the attributes of one session; names mirror the
// PostgreSQL collector's with the mysql. prefix (thread id for pid).
func (s *samples) sessionAttrs(a pcommon.Map, x session) {
	a.PutInt("mysql.thread_id", x.id)
	a.PutStr("mysql.command", x.command)
	a.PutStr("mysql.state", x.state)
	a.PutStr("mysql.wait_event_type", x.waitType)
	a.PutStr("mysql.wait_event", x.waitEvent)
	if x.user != "" {
		a.PutStr("user.name", x.user)
	}
	if addr := clientAddress(x.host); addr != "" {
		a.PutStr("client.address", addr)
	}
	if x.text != "" {
		text, op := s.obfuscate(x.text)
		a.PutStr("db.query.text", text)
		if op != "" {
			a.PutStr("db.operation.name", op)
		}
	}
	if x.digest != "" {
		a.PutStr("db.query.id", x.digest)
	}
	if !x.idle() {
		a.PutDouble("db.query.duration", x.elapsedS)
	}
	if len(x.blockedBy) > 0 {
		ids := a.PutEmptySlice("mysql.blocking.thread_ids")
		for _, b := range x.blockedBy {
			ids.AppendEmpty().SetInt(b)
		}
		a.PutStr("mysql.blocking.lock.mode", x.lockMode)
		a.PutStr("mysql.blocking.lock.type", x.lockType)
		a.PutStr("mysql.blocking.lock.relation", x.lockRelation)
		a.PutDouble("mysql.blocking.wait_duration", x.lockWaitS)
	}
}

// clientAddress drops the port from a processlist host ("10.0.0.5:51512"):
// it changes with every connection and says nothing about the client.
func clientAddress(host string) string {
	if i := strings.LastIndexByte(host, ':'); i > 0 && !strings.Contains(host[i+1:], "]") {
		if h := strings.Trim(host[:i], "[]"); h != "" {
			return h
		}
	}
	return host
}
