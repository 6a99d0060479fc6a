package mysql

import (
	"encoding/json"
	"net"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/dbintel/dbintel/pkg/contract"
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

// blockingEvent writes one db.server.blocking event (dbintel's own: New
// Relic has no blocking-chain event) for a chain: the body lists every
// session root first (whom it waits on, its lock, its obfuscated
// statement); attributes summarise it for filtering.
func (s *samples) blockingEvent(lb *scrape.LogsBuilder, chain []chainNode, now time.Time) {
	root := chain[0].s
	lr := lb.Event(root.db, contract.EventBlocking, now)
	a := lr.Attributes()
	a.PutInt(contract.MySQLBlockingRoot, root.id)
	a.PutInt(contract.AttrBlockingWaiters, int64(len(chain)-1))
	ids := a.PutEmptySlice(contract.AttrBlockingChain)
	var maxWait float64
	for _, n := range chain {
		ids.AppendEmpty().SetInt(n.s.id)
		maxWait = max(maxWait, n.s.lockWaitS)
	}
	a.PutDouble(contract.AttrBlockingMaxWait, maxWait)
	if len(chain) > 1 { // the lock the first waiter wants
		w := chain[1].s
		a.PutStr(contract.MySQLBlockingLockMode, w.lockMode)
		a.PutStr(contract.MySQLBlockingLockType, w.lockType)
		a.PutStr(contract.MySQLBlockingLockRel, w.lockRelation)
	}
	body := lr.Body().SetEmptyMap().PutEmptySlice(contract.MySQLBlockingSessions)
	for _, n := range chain {
		m := body.AppendEmpty().SetEmptyMap()
		m.PutInt(contract.MySQLBlockingDepth, int64(n.depth))
		s.sessionAttrs(m, n.s)
	}
}

// sessionAttrs writes the attributes of one session with nrmysqlreceiver's
// names (db.server.query_sample), plus dbintel's lock details when it waits
// on a lock.
func (s *samples) sessionAttrs(a pcommon.Map, x session) {
	a.PutInt(contract.MySQLSessionID, x.id)
	if x.threadID > 0 {
		a.PutInt(contract.MySQLThreadID, x.threadID)
	}
	a.PutStr(contract.MySQLCommand, x.command)
	a.PutStr(contract.MySQLState, x.state)
	waitType, eventType, event := x.waitAttrs()
	a.PutStr(contract.MySQLSessionStatus, x.status())
	a.PutStr(contract.MySQLWaitType, waitType)
	a.PutStr(contract.MySQLWaitEventType, eventType)
	a.PutStr(contract.MySQLWaitEvent, event)
	if x.user != "" {
		a.PutStr(contract.AttrUserName, x.user)
	}
	if addr, port := clientAddress(x.host); addr != "" {
		a.PutStr(contract.MySQLClientAddress, addr)
		a.PutStr(contract.AttrPeerAddress, addr)
		if port > 0 {
			a.PutInt(contract.MySQLClientPort, port)
			a.PutInt(contract.AttrPeerPort, port)
		}
	}
	if x.text != "" {
		text, op, hash := s.obfuscate(x.text)
		a.PutStr(contract.AttrQueryText, text)
		a.PutStr(contract.AttrQueryTextHash, hash)
		if op != "" {
			a.PutStr(contract.AttrOperationName, op)
		}
	}
	if x.digest != "" {
		a.PutStr(contract.MySQLCurrentDigest, x.digest)
	}
	a.PutInt(contract.MySQLEventID, x.eventID)
	a.PutInt(contract.MySQLStatementStart, x.timerStart)
	if !x.idle() {
		a.PutDouble(contract.MySQLStatementTimerWait, x.elapsedS)
	}
	a.PutDouble(contract.MySQLWaitTimerWait, x.waitS)
	a.PutInt(contract.MySQLBlockerCount, int64(len(x.blockedBy)))
	if len(x.blockedBy) > 0 {
		a.PutStr(contract.MySQLBlockers, s.blockersJSON(x.blockedBy))
		a.PutStr(contract.MySQLBlockingLockMode, x.lockMode)
		a.PutStr(contract.MySQLBlockingLockType, x.lockType)
		a.PutStr(contract.MySQLBlockingLockRel, x.lockRelation)
		a.PutDouble(contract.MySQLBlockingWait, x.lockWaitS)
	}
}

// blocker is one element of mysql.blocking.blockers, as the receiver
// writes it.
type blocker struct {
	ThreadID  int64 `json:"thread_id"`
	SessionID int64 `json:"session_id"`
}

// blockersJSON is the receiver's mysql.blocking.blockers: a JSON array of
// the sessions a session waits on (thread id 0 when the blocker was not in
// the sample).
func (s *samples) blockersJSON(ids []int64) string {
	out := make([]blocker, len(ids))
	for i, id := range ids {
		out[i] = blocker{ThreadID: s.threadIDs[id], SessionID: id}
	}
	b, _ := json.Marshal(out) // ints only: cannot fail
	return string(b)
}

// clientAddress splits a processlist host ("10.0.0.5:51512",
// "[::1]:40000", "localhost") into the client's address and port (0 when
// there is none, as for a Unix socket).
func clientAddress(host string) (string, int64) {
	if h, p, err := net.SplitHostPort(host); err == nil {
		port, _ := strconv.ParseInt(p, 10, 64)
		return h, port
	}
	return strings.Trim(host, "[]"), 0
}
