package forward

import (
	"context"
	"sync"
	"time"
)

// breakerFailures is how many consecutive retryable failures open the gate.
const breakerFailures = 3

// gate is the backend breaker shared by all workers. Closed, any number of
// workers send. After a throttling answer, or breakerFailures consecutive
// retryable failures, it opens: nobody sends before the wait the backend
// asked for (or the backoff), then a single probe request at a time until
// one succeeds. It never drops anything; held data stays queued.
type gate struct {
	mu       sync.Mutex
	until    time.Time
	open     bool
	probing  bool
	failures int
	changed  chan struct{} // closed and replaced on every release
	onChange func(open bool)

	// notifyMu serializes onChange calls; reported is the last state given
	// to onChange (guarded by notifyMu). Each report reads the state anew,
	// so two releases racing cannot leave a stale state reported last.
	notifyMu sync.Mutex
	reported bool
}

func newGate(onChange func(open bool)) *gate {
	return &gate{changed: make(chan struct{}), onChange: onChange}
}

// outcome is what one attempt told us about the backend.
type outcome int

const (
	outcomeHealthy   outcome = iota // success or a permanent answer: the backend works
	outcomeFailed                   // retryable failure
	outcomeThrottled                // backend asked us to slow down
	outcomeAborted                  // our own shutdown cut the attempt: says nothing
)

// acquire blocks until this worker may send one request. The caller must
// call release exactly once after the attempt.
func (g *gate) acquire(ctx context.Context) error {
	for {
		g.mu.Lock()
		wait := time.Until(g.until)
		busy := g.open && g.probing
		if wait <= 0 && !busy {
			if g.open {
				g.probing = true
			}
			g.mu.Unlock()
			return nil
		}
		changed := g.changed
		g.mu.Unlock()
		if err := sleepOrChange(ctx, wait, changed); err != nil {
			return err
		}
	}
}

// release records the attempt's outcome. pause is how long nobody should
// send after a failure (the backend's Retry-After or the backoff).
func (g *gate) release(o outcome, pause time.Duration) {
	g.mu.Lock()
	wasOpen := g.open
	g.probing = false
	switch o {
	case outcomeHealthy:
		g.failures, g.open = 0, false
	case outcomeFailed:
		g.failures++
		if g.failures >= breakerFailures {
			g.open = true
		}
	case outcomeThrottled:
		g.failures++
		g.open = true
	}
	if g.open && o != outcomeAborted && o != outcomeHealthy {
		if u := time.Now().Add(pause); u.After(g.until) {
			g.until = u
		}
	}
	close(g.changed)
	g.changed = make(chan struct{})
	nowOpen := g.open
	g.mu.Unlock()
	if nowOpen != wasOpen && g.onChange != nil {
		g.notify()
	}
}

// notify reports the current state unless it was the last one reported. It
// runs after every transition, so the last report reads the latest state.
func (g *gate) notify() {
	g.notifyMu.Lock()
	defer g.notifyMu.Unlock()
	g.mu.Lock()
	open := g.open
	g.mu.Unlock()
	if open != g.reported {
		g.reported = open
		g.onChange(open)
	}
}

// sleepOrChange waits for d (forever if d <= 0), a change, or ctx.
func sleepOrChange(ctx context.Context, d time.Duration, changed <-chan struct{}) error {
	var timer <-chan time.Time
	if d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		timer = t.C
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-changed:
	case <-timer:
	}
	return nil
}
