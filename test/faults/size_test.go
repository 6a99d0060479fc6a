package faults

import (
	"context"
	"net/http"
	"testing"

	"github.com/dbintel/dbintel/test/fakebackend"
	"github.com/dbintel/dbintel/test/harness"
)

// TestTooLarge: the backend refuses requests above 1,000,000 bytes on the
// wire (413 / RESOURCE_EXHAUSTED). Everything arrives in smaller requests
// except one record with a 3 MB incompressible body, dropped and counted
// as too_large. "presplit" is the shipped config (the gateway splits
// before sending); "on 413" raises the gateway's own cap above the
// backend's so only the backend's 413 answers drive the splitting.
func TestTooLarge(t *testing.T) {
	t.Parallel()
	const backendMax = 1_000_000
	above := []string{"max_request_bytes: 1000000      # New Relic's limit", "max_request_bytes: 16000000     # above New Relic's limit"}
	cases := []struct {
		name, protocol string
		replace        []string
		want413        bool
	}{
		{name: "presplit", protocol: "grpc"},
		{name: "on 413 grpc", protocol: "grpc", want413: true, replace: above},
		{name: "on 413 http", protocol: "http", want413: true, replace: above},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			be := fakebackend.Start(t)
			be.SetMaxBytes(backendMax)
			config := ""
			if tc.replace != nil {
				config = writeConfig(t, tc.replace...)
			}
			g := startGateway(t, gatewayEnv(t, be, tc.protocol, nil), config)
			s := harness.NewLogSender(t, g.GRPC)
			ctx := context.Background()

			// 2 requests of 1,000 records with 1 KiB random bodies: each
			// about 1 MB compressed, so each must be split at least once.
			for range 2 {
				if _, err := s.Send(ctx, 1000, 1024); err != nil {
					t.Fatal(err)
				}
			}
			huge, err := s.Send(ctx, 1, 3<<20)
			if err != nil {
				t.Fatalf("the gateway refused the 3 MB record (its receiver takes up to 16 MiB): %v", err)
			}
			if _, err := s.Send(ctx, 100, 1024); err != nil {
				t.Fatal(err)
			}

			acked := s.Acked()
			delete(acked, huge[0])
			d := waitDelivered(t, be, acked, deliveryTimeout)
			requireNoLoss(t, d)
			waitQueueEmpty(t, g)
			m := checkBalance(t, g)
			if n := harness.LogIDs(be.Logs())[huge[0]]; n != 0 {
				t.Errorf("the 3 MB record reached the backend %d times", n)
			}
			if got := m.Sum("dbintel_forward_items_dropped_total", "reason", "too_large"); got != 1 {
				t.Errorf(`items_dropped_total{reason="too_large"} = %v, want 1 (the 3 MB record)`, got)
			}
			var accepted, refusedMulti int
			for _, r := range be.Requests() {
				if r.Answer.Success() {
					accepted++
					if r.Bytes > backendMax {
						t.Errorf("accepted request of %d bytes above the cap", r.Bytes)
					}
				} else if r.Answer.HTTPStatus == http.StatusRequestEntityTooLarge && r.Items > 1 {
					refusedMulti++
				}
			}
			t.Logf("%d accepted requests, %d multi-record requests refused with 413, splits %v", accepted, refusedMulti,
				m.Sum("dbintel_forward_splits_total"))
			if tc.want413 && refusedMulti == 0 {
				t.Error("no multi-record request met a 413: the split-on-413 path was not exercised")
			}
			if m.Sum("dbintel_forward_splits_total") == 0 {
				t.Error("splits_total = 0: nothing was split")
			}
		})
	}
}
