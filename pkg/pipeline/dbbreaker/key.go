package dbbreaker

import (
	"errors"
	"time"

	"github.com/sony/gobreaker/v2"
	"go.opentelemetry.io/collector/pdata/pcommon"
)

// Trip and transition reasons (the transitions counter's label values).
const (
	ReasonVolume        = "volume"
	ReasonCardinality   = "cardinality"
	ReasonExportFailure = "export_failure"
	reasonTimeout       = "timeout" // open -> half-open
	reasonHealthy       = "healthy" // half-open -> closed
)

var errOverBudget = errors.New("over budget")

// keyState is one source key's breaker and the counts of its current
// interval.
//
// gobreaker holds the state machine: a failed interval trips a closed
// breaker (ReadyToTrip on the first failure) or re-opens a half-open one,
// and HealthyIntervals successes in a row (MaxRequests) close it. Each
// interval is one gobreaker request: Allow when it starts, done(verdict)
// when it ends or when a budget is exceeded mid-interval. gobreaker reads the
// wall clock and has one fixed timeout, so the open period is timed here,
// on the injected clock and with the doubling: gobreaker's own timeout is
// 1ns and it is not called while the key is open, so its open -> half-open
// transition happens exactly when this code calls Allow after the open
// period.
type keyState struct {
	key      string
	identity pcommon.Map // resource attributes naming the source, for events
	cb       *gobreaker.TwoStepCircuitBreaker[struct{}]
	state    gobreaker.State
	done     func(error) // the current interval's pending verdict
	evicted  bool        // from keys (max_keys): a batch holding it looks the key up again

	openUntil   time.Time
	trips       int // consecutive trips, for the doubling
	closedSince time.Time

	windowStart                 time.Time
	volume, newSeries, failures int
	reason, detail              string // why the next transition happens
}

// window budgets, derived once from the config.
type budgets struct {
	volume, newSeries, failures int
}

// advance moves the key to now: ends the open period, or closes finished
// intervals (an interval with no failure is healthy, including intervals
// in which the key sent nothing).
func (b *Breaker) advance(k *keyState, now time.Time) {
	if k.state == gobreaker.StateOpen {
		if now.Before(k.openUntil) {
			return
		}
		k.reason = reasonTimeout
		b.startWindow(k, now)
		return
	}
	if k.state == gobreaker.StateClosed && k.trips > 0 && now.Sub(k.closedSince) >= b.cfg.ResetAfter {
		k.trips = 0
	}
	// Every interval after the first finished one is empty, so at most
	// HealthyIntervals of them matter.
	for n := 0; !now.Before(k.windowStart.Add(b.cfg.Interval)) && n <= b.cfg.HealthyIntervals; n++ {
		k.reason = reasonHealthy
		k.finish(nil)
		b.startWindow(k, k.windowStart.Add(b.cfg.Interval))
	}
	if !now.Before(k.windowStart.Add(b.cfg.Interval)) {
		b.startWindow(k, now)
	}
}

// startWindow begins an interval: counts reset, one gobreaker request.
func (b *Breaker) startWindow(k *keyState, at time.Time) {
	k.windowStart = at
	k.volume, k.newSeries, k.failures = 0, 0, 0
	if k.done == nil {
		// Allow only refuses in the open state, which the caller has left.
		k.done, _ = k.cb.Allow()
	}
}

func (k *keyState) finish(err error) {
	if k.done != nil {
		d := k.done
		k.done = nil
		d(err)
	}
}

// check trips the key when a count is over its budget.
func (b *Breaker) check(k *keyState) {
	if k.state == gobreaker.StateOpen {
		return
	}
	switch {
	case b.budget.volume > 0 && k.volume > b.budget.volume:
		k.reason = ReasonVolume
	case b.budget.newSeries > 0 && k.newSeries > b.budget.newSeries:
		k.reason = ReasonCardinality
	case b.budget.failures > 0 && k.failures > b.budget.failures:
		k.reason = ReasonExportFailure
	default:
		return
	}
	k.finish(errOverBudget)
}

// openTimeout is the open period after the key's trips-th consecutive trip.
func (b *Breaker) openTimeout(trips int) time.Duration {
	d := b.cfg.OpenTimeout
	for i := 1; i < trips && d < b.cfg.MaxOpenTimeout; i++ {
		d *= 2
	}
	return min(d, b.cfg.MaxOpenTimeout)
}
