package forward

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/dbintel/dbintel/test/fakebackend"
)

// blocked reports whether acquire is still waiting after a short while. A
// wait that should end ends at once, so only a real block reports true.
func blocked(g *gate) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err := g.acquire(ctx)
	if err == nil {
		g.release(outcomeAborted, 0)
	}
	return errors.Is(err, context.DeadlineExceeded)
}

func TestGateOpensAndProbes(t *testing.T) {
	var states []bool
	g := newGate(func(open bool) { states = append(states, open) })
	for range breakerFailures - 1 {
		if err := g.acquire(context.Background()); err != nil {
			t.Fatal(err)
		}
		g.release(outcomeFailed, 0)
	}
	if err := g.acquire(context.Background()); err != nil {
		t.Fatal(err)
	}
	if blocked(g) {
		t.Fatal("a closed gate must let concurrent senders through")
	}
	g.release(outcomeFailed, 0) // the failure that opens it
	if err := g.acquire(context.Background()); err != nil {
		t.Fatal("open gate must let one probe through:", err)
	}
	if !blocked(g) {
		t.Fatal("a second request passed while the probe was in flight")
	}
	g.release(outcomeHealthy, 0)
	if blocked(g) {
		t.Fatal("gate still closed after a successful probe")
	}
	if len(states) != 2 || !states[0] || states[1] {
		t.Errorf("transitions = %v, want [open closed]", states)
	}
}

func TestGateHoldsForRetryAfter(t *testing.T) {
	g := newGate(nil)
	_ = g.acquire(context.Background())
	g.release(outcomeThrottled, time.Hour)
	if !blocked(g) {
		t.Fatal("a request passed during the backend's Retry-After")
	}
}

func TestOneRequestAtATimeWhileThrottled(t *testing.T) {
	be := fakebackend.Start(t)
	be.Script(
		fakebackend.Response{HTTPStatus: 429, RetryAfter: time.Second},
		fakebackend.Response{Code: codes.Unavailable},
		fakebackend.Response{Code: codes.Unavailable},
	)
	be.SetDelay(20 * time.Millisecond) // gives overlapping requests a chance to show
	f, reg := start(t, testConfig(be, "grpc"))
	_ = f.Consume(context.Background(), testBatch(1, 0, 0))
	deadline := time.Now().Add(10 * time.Second)
	for gathered(t, reg, "dbintel_forward_requests_total", "outcome", "throttled") == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	for range 6 {
		_ = f.Consume(context.Background(), testBatch(1, 0, 0))
	}
	be.WaitForItems(t, 7, 20*time.Second)
	waitBalanced(t, reg)
	reqs := be.Requests()
	// After the 429: two failing probes and the succeeding one, each alone.
	for i := 1; i <= 3; i++ {
		if reqs[i].Concurrent != 1 {
			t.Errorf("request %d (answer %+v) had %d concurrent requests while throttled", i, reqs[i].Answer, reqs[i].Concurrent)
		}
	}
	if got := gathered(t, reg, "dbintel_forward_breaker_open"); got != 0 {
		t.Errorf("breaker_open = %v after recovery", got)
	}
}

// TestGateLastReportIsCurrentState races many workers through transitions:
// once they stop, the last state reported must be the gate's state, or
// Healthy() could stay false while the gate is closed.
func TestGateLastReportIsCurrentState(t *testing.T) {
	for round := range 50 {
		var mu sync.Mutex
		var last bool // the gate starts closed
		g := newGate(func(open bool) {
			runtime.Gosched() // widens the window between the change and its report
			mu.Lock()
			last = open
			mu.Unlock()
		})
		var wg sync.WaitGroup
		for w := range 8 {
			wg.Go(func() {
				for i := range 200 {
					if err := g.acquire(context.Background()); err != nil {
						t.Error(err)
						return
					}
					o := outcomeHealthy
					if (i+w)%2 == 0 {
						o = outcomeThrottled
					}
					g.release(o, 0)
				}
			})
		}
		wg.Wait()
		g.mu.Lock()
		open := g.open
		g.mu.Unlock()
		mu.Lock()
		if last != open {
			t.Fatalf("round %d: gate open=%v but the last report said open=%v", round, open, last)
		}
		mu.Unlock()
	}
}
