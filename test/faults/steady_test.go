package faults

import (
	"context"
	"testing"
	"time"

	"github.com/dbintel/dbintel/test/fakebackend"
	"github.com/dbintel/dbintel/test/harness"
)

// TestSteadyState: a healthy backend under continuous load loses nothing
// (issue: 20 s; here 3 s).
func TestSteadyState(t *testing.T) {
	t.Parallel()
	be := fakebackend.Start(t)
	g := startGateway(t, gatewayEnv(t, be, "grpc", nil), "")
	s := harness.NewLogSender(t, g.GRPC)

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	s.Run(ctx, 4, 50, 10*time.Millisecond)
	t.Logf("sender: %s", s.Stats())

	requireNoLoss(t, waitDelivered(t, be, s.Acked(), deliveryTimeout))
	checkBalance(t, g)
}
