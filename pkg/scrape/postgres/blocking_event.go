package postgres

import (
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/dbintel/dbintel/pkg/scrape"
)

type pcommonMap = pcommon.Map

// blockingEvent writes one db.server.blocking event for a chain: the body
// lists every session root first (with whom it waits on, its lock and its
// obfuscated query); attributes summarise it for filtering.
func (s *sessions) blockingEvent(lb *scrape.LogsBuilder, chain []chainNode, now time.Time) {
	root := chain[0].s
	lr := lb.Event(root.datname, "db.server.blocking", now)
	a := lr.Attributes()
	a.PutInt("postgresql.blocking.root_pid", int64(root.pid))
	a.PutInt("postgresql.blocking.waiter_count", int64(len(chain)-1))
	pids := a.PutEmptySlice("postgresql.blocking.chain")
	var maxWait float64
	for _, n := range chain {
		pids.AppendEmpty().SetInt(int64(n.s.pid))
		if n.s.waitStart != nil {
			maxWait = max(maxWait, n.s.now.Sub(*n.s.waitStart).Seconds())
		}
	}
	a.PutDouble("postgresql.blocking.max_wait_duration", maxWait)
	if len(chain) > 1 { // the lock the first waiter wants
		w := chain[1].s
		a.PutStr("postgresql.blocking.lock.mode", w.lockMode)
		a.PutStr("postgresql.blocking.lock.type", w.lockType)
		a.PutStr("postgresql.blocking.lock.relation", w.lockRelation)
	}
	if root.xactStart != nil {
		a.PutDouble("postgresql.transaction.duration", root.now.Sub(*root.xactStart).Seconds())
	}
	body := lr.Body().SetEmptyMap().PutEmptySlice("sessions")
	for _, n := range chain {
		m := body.AppendEmpty().SetEmptyMap()
		m.PutInt("depth", int64(n.depth))
		s.sessionAttrs(m, n.s)
	}
}
