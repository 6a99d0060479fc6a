package postgres

import (
	"encoding/json"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/dbintel/dbintel/pkg/contract"
	"github.com/dbintel/dbintel/pkg/scrape"
)

type pcommonMap = pcommon.Map

// blockingEvent writes one db.server.blocking event for a chain:
// dbintel.blocking.sessions lists every session root first (its state,
// wait, lock and obfuscated query); the other attributes summarise it for
// filtering.
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
	sessions, omitted := s.chainJSON(chain)
	a.PutStr(contract.PGBlockingSessions, sessions)
	if omitted > 0 {
		a.PutInt(contract.PGBlockingOmitted, int64(omitted))
	}
}

// maxChainJSON keeps dbintel.blocking.sessions under New Relic's limit on
// an attribute value (4,095 characters).
const maxChainJSON = 4000

// chainSession is one session of a chain in dbintel.blocking.sessions.
type chainSession struct {
	Depth        int    `json:"depth"`
	PID          int32  `json:"pid"`
	State        string `json:"state,omitempty"`
	WaitType     string `json:"wait_event_type,omitempty"`
	WaitEvent    string `json:"wait_event,omitempty"`
	LockMode     string `json:"lock_mode,omitempty"`
	LockType     string `json:"lock_type,omitempty"`
	LockRelation string `json:"lock_relation,omitempty"`
	Query        string `json:"query,omitempty"` // obfuscated
	QueryHash    string `json:"query_hash,omitempty"`
}

// chainJSON lists the chain's sessions, root first, as a JSON array: an
// attribute rather than a body, which New Relic would explode into one
// attribute per field (and hit its 255-attribute limit on a long chain).
// Sessions that do not fit are counted in omitted.
func (s *sessions) chainJSON(chain []chainNode) (out string, omitted int) {
	var b strings.Builder
	b.WriteByte('[')
	for i, n := range chain {
		text, _ := s.obfuscate(n.s.query)
		cs := chainSession{Depth: n.depth, PID: n.s.pid, State: n.s.state, WaitType: n.s.waitType, WaitEvent: n.s.waitEvent,
			LockMode: n.s.lockMode, LockType: n.s.lockType, LockRelation: n.s.lockRelation, Query: text}
		if text != "" {
			cs.QueryHash = normalizedHash(text)
		}
		js, err := json.Marshal(cs)
		if err != nil || b.Len()+len(js)+2 > maxChainJSON {
			return closeArray(&b), len(chain) - i
		}
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(js)
	}
	return closeArray(&b), 0
}

func closeArray(b *strings.Builder) string {
	b.WriteByte(']')
	return b.String()
}
