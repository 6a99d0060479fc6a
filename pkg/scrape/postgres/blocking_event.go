package postgres

import (
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/dbintel/dbintel/pkg/contract"
	"github.com/dbintel/dbintel/pkg/scrape"
)

type pcommonMap = pcommon.Map

// blockingEvent writes one db.server.blocking event for a chain: the body
// lists every session root first (with whom it waits on, its lock and its
// obfuscated query); attributes summarise it for filtering.
func (s *sessions) blockingEvent(lb *scrape.LogsBuilder, chain []chainNode, now time.Time) {
	root := chain[0].s
	lr := lb.Event(root.datname, contract.EventBlocking, now)
	a := lr.Attributes()
	a.PutInt(contract.PGBlockingRootPID, int64(root.pid))
	a.PutInt(contract.AttrBlockingWaiters, int64(len(chain)-1))
	pids := a.PutEmptySlice(contract.AttrBlockingChain)
	for _, n := range chain {
		pids.AppendEmpty().SetInt(int64(n.s.pid))
	}
	if w, ok := chainMaxWait(chain); ok {
		a.PutDouble(contract.AttrBlockingMaxWait, w)
	}
	if len(chain) > 1 { // the lock the first waiter wants
		w := chain[1].s
		a.PutStr(contract.PGBlockingLockMode, w.lockMode)
		a.PutStr(contract.PGBlockingLockType, w.lockType)
		a.PutStr(contract.PGBlockingRelation, w.lockRelation)
	}
	if root.xactStart != nil {
		a.PutDouble(contract.PGXactDuration, root.now.Sub(*root.xactStart).Seconds())
	}
	body := lr.Body().SetEmptyMap().PutEmptySlice(contract.PGBlockingSessions)
	for _, n := range chain {
		m := body.AppendEmpty().SetEmptyMap()
		m.PutInt(contract.PGBlockingNodeDepth, int64(n.depth))
		s.sessionAttrs(m, n.s)
	}
}
