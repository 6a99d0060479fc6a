package otlpserver

import (
	"fmt"
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
	return b.grow(l, n-l.held)
}

// grow adds d bytes (d < 0 gives back) to l; b.mu is held. A released
// lease cannot grow again: a gRPC call may be cleaned up while its handler
// still runs.
func (b *budget) grow(l *lease, d int64) bool {
	if d > 0 && (l.released || b.used+d > b.limit) {
		return false
	}
	b.used += d
	l.held += d
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
	b        *budget
	held     int64
	released bool
}

func (b *budget) newLease() *lease { return &lease{b: b} }

// resize makes the lease hold n bytes; errBudget when the growth does not fit.
func (l *lease) resize(n int64) error {
	if !l.b.resize(l, n) {
		return errBudget
	}
	return nil
}

func (l *lease) release() {
	l.b.mu.Lock()
	defer l.b.mu.Unlock()
	l.released = true
	l.b.grow(l, -l.held)
}

// chargeDecoded adds what a body will decode into (its estimate) to the
// lease, which holds the body, before it is decoded. When the two together
// exceed the whole budget the request could never be admitted, so it is
// refused for good (413 / RESOURCE_EXHAUSTED: the sender must split it);
// when they do not fit now it is refused retryably, like any other growth.
func (l *lease) chargeDecoded(estimate int64) error {
	b := l.b
	b.mu.Lock()
	defer b.mu.Unlock()
	if need := l.held + estimate; need > b.limit {
		return fmt.Errorf("%w: the request and what it would decode into take about %d MiB, more than max_in_flight_bytes (%d MiB); send smaller batches",
			errTooLarge, need>>20, b.limit>>20)
	}
	if !b.grow(l, estimate) {
		return errBudget
	}
	return nil
}
