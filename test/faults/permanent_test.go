package faults

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/dbintel/dbintel/test/fakebackend"
	"github.com/dbintel/dbintel/test/harness"
)

// TestPermanentRefusals: 400, 401 and 403 are attempted exactly once and
// dropped with their reason; 401/403 make /readyz fail until the next
// success.
func TestPermanentRefusals(t *testing.T) {
	t.Parallel()
	cases := []struct {
		status   int
		reason   string
		notReady bool
	}{
		{http.StatusBadRequest, "invalid", false},
		{http.StatusUnauthorized, "unauthorized", true},
		{http.StatusForbidden, "unauthorized", true},
	}
	for _, tc := range cases {
		t.Run(http.StatusText(tc.status), func(t *testing.T) {
			be := fakebackend.Start(t)
			be.Script(fakebackend.Response{HTTPStatus: tc.status})
			g := startGateway(t, gatewayEnv(t, be, "grpc", nil), "")
			s := harness.NewLogSender(t, g.GRPC)
			ctx := context.Background()

			const n = 10
			if _, err := s.Send(ctx, n, 0); err != nil {
				t.Fatal(err)
			}
			waitMetric(t, g, n, "dbintel_forward_items_dropped_total", "reason", tc.reason)
			// A retry would come after the first backoff (at most 1 s,
			// retry.initial_interval); twice that shows there is none.
			time.Sleep(2 * time.Second)
			if reqs := be.Requests(); len(reqs) != 1 {
				t.Errorf("backend saw %d requests, want exactly one attempt", len(reqs))
			}
			want := http.StatusOK
			if tc.notReady {
				want = http.StatusServiceUnavailable
			}
			if got := readyz(t, g); got != want {
				t.Errorf("/readyz = %d after a %d, want %d", got, tc.status, want)
			}
			m := checkBalance(t, g)
			if got := m.Sum("dbintel_forward_requests_total", "outcome", "permanent"); got != 1 {
				t.Errorf("requests_total{outcome=permanent} = %v, want 1", got)
			}

			// The script is used up: the next batch is delivered and the
			// gateway is ready again.
			ids, err := s.Send(ctx, n, 0)
			if err != nil {
				t.Fatal(err)
			}
			acked := map[int64]struct{}{}
			for _, id := range ids {
				acked[id] = struct{}{}
			}
			requireNoLoss(t, waitDelivered(t, be, acked, deliveryTimeout))
			// The backend records the data before the gateway reads the
			// answer, so readiness may lag the delivery a moment.
			phase(t, 0, "ready again after a success", func() bool { return readyz(t, g) == http.StatusOK })
		})
	}
}

// waitMetric waits until the sum of a gateway self-metric reaches want.
func waitMetric(t *testing.T, g *harness.Gateway, want float64, name string, labels ...string) {
	t.Helper()
	deadline := time.Now().Add(deliveryTimeout)
	for {
		got := harness.ScrapeMetrics(t, g.Metrics).Sum(name, labels...)
		if got >= want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s%v = %v after %s, want %v", name, labels, got, deliveryTimeout, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func readyz(t *testing.T, g *harness.Gateway) int {
	t.Helper()
	resp, err := http.Get(g.Health + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestPartialSuccess: items the backend rejects inside a success answer
// are counted (partial_success) and not retried; the rest count as sent.
func TestPartialSuccess(t *testing.T) {
	t.Parallel()
	be := fakebackend.Start(t)
	be.Script(fakebackend.Response{Rejected: 3})
	g := startGateway(t, gatewayEnv(t, be, "grpc", nil), "")
	s := harness.NewLogSender(t, g.GRPC)

	const n = 10
	if _, err := s.Send(context.Background(), n, 0); err != nil {
		t.Fatal(err)
	}
	waitMetric(t, g, 3, "dbintel_forward_items_dropped_total", "reason", "partial_success")
	time.Sleep(2 * time.Second) // room for a wrong retry (first backoff ≤ 1 s)
	if reqs := be.Requests(); len(reqs) != 1 {
		t.Errorf("backend saw %d requests, want one (partial success is not retried)", len(reqs))
	}
	m := checkBalance(t, g)
	if got := m.Sum("dbintel_forward_items_sent_total"); got != n-3 {
		t.Errorf("items_sent_total = %v, want %d", got, n-3)
	}
}
