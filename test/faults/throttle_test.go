package faults

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/dbintel/dbintel/test/fakebackend"
	"github.com/dbintel/dbintel/test/harness"
)

// TestThrottled: a 429 with Retry-After: 3 (RetryInfo 3 s over gRPC) stops
// every request to the backend for 3 s, then everything is delivered.
func TestThrottled(t *testing.T) {
	t.Parallel()
	for _, protocol := range []string{"grpc", "http"} {
		t.Run(protocol, func(t *testing.T) {
			const retryAfter = 3 * time.Second
			be := fakebackend.Start(t)
			be.Script(fakebackend.Response{HTTPStatus: http.StatusTooManyRequests, RetryAfter: retryAfter})
			g := startGateway(t, gatewayEnv(t, be, protocol, nil), "")
			s := harness.NewLogSender(t, g.GRPC)
			ctx := context.Background()

			// One batch meets the 429 alone; the load that follows queues
			// behind the throttle.
			if _, err := s.Send(ctx, 20, 0); err != nil {
				t.Fatal(err)
			}
			waitRequests(t, be, 1)
			// The throttle holds once the gateway has read the 429, which
			// it counts: only then may more data reach its workers.
			waitMetric(t, g, 1, "dbintel_forward_requests_total", "outcome", "throttled")
			lctx, cancel := context.WithTimeout(ctx, 2*time.Second)
			s.Run(lctx, 2, 20, 50*time.Millisecond)
			cancel()
			t.Logf("sender: %s", s.Stats())

			requireNoLoss(t, waitDelivered(t, be, s.Acked(), deliveryTimeout))
			reqs := be.Requests()
			throttledAt := reqs[0].At
			if reqs[0].Answer.HTTPStatus != http.StatusTooManyRequests {
				t.Fatalf("first request answered %+v, want the scripted 429", reqs[0].Answer)
			}
			for i, r := range reqs[1:] {
				if gap := r.At.Sub(throttledAt); gap < retryAfter {
					t.Errorf("request %d reached the backend %s after the 429, before Retry-After %s", i+1, gap, retryAfter)
				}
			}
			t.Logf("%d requests; first after the 429 came %s later", len(reqs), reqs[1].At.Sub(throttledAt))
			// The throttle ends with one probe, not with every worker at once.
			if reqs[1].Concurrent != 1 {
				t.Errorf("the first request after the throttle had %d concurrent requests, want a single probe", reqs[1].Concurrent)
			}
			waitQueueEmpty(t, g)
			m := checkBalance(t, g)
			if got := m.Sum("dbintel_forward_requests_total", "outcome", "throttled"); got != 1 {
				t.Errorf("requests_total{outcome=throttled} = %v, want 1", got)
			}
		})
	}
}

// waitRequests waits until be has received at least n requests.
func waitRequests(t *testing.T, be *fakebackend.Backend, n int) {
	t.Helper()
	deadline := time.Now().Add(deliveryTimeout)
	for len(be.Requests()) < n {
		if time.Now().After(deadline) {
			t.Fatalf("backend saw %d requests after %s, want %d", len(be.Requests()), deliveryTimeout, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
