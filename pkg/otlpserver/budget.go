package otlpserver

import (
	"sync"
	"time"

	"github.com/dbintel/dbintel/pkg/pipeline"
)

// budget bounds the bytes of request bodies in flight on both transports,
// counted at their decompressed size. Requests take bytes as they read and
// decompress, never wait for them (a waiting request would hold memory),
// and give everything back when they are answered.
type budget struct {
	mu          sync.Mutex
	limit, used int64
	peak        int64
}

func newBudget(limit int64) *budget { return &budget{limit: limit} }

// resize makes l hold n bytes, taking the growth from the budget or giving
// back the difference. Growth beyond the limit fails and l keeps what it
// held.
func (b *budget) resize(l *lease, n int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	d := n - l.held
	if d > 0 && b.used+d > b.limit {
		return false
	}
	b.used += d
	l.held = n
	b.peak = max(b.peak, b.used)
	return true
}

// inUse and peakUse are read by the self-metrics and tests.
func (b *budget) inUse() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used
}

func (b *budget) peakUse() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.peak
}

// budgetRetryAfter is the hint for a sender refused for lack of budget:
// bodies in flight last milliseconds to seconds.
const budgetRetryAfter = time.Second

var errBudget = pipeline.Refused(reasonBudget, budgetRetryAfter)

// lease is one request's share of the budget; the budget's lock guards it,
// so gRPC's tap, stats and clean-up goroutines may share one.
type lease struct {
	b    *budget
	held int64
}

func (b *budget) newLease() *lease { return &lease{b: b} }

// resize makes the lease hold n bytes; errBudget when the growth does not fit.
func (l *lease) resize(n int64) error {
	if !l.b.resize(l, n) {
		return errBudget
	}
	return nil
}

func (l *lease) release() { l.b.resize(l, 0) }
