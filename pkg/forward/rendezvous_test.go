package forward

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dbintel/dbintel/test/fakebackend"
)

func TestRendezvousOrderIsStableAndSpread(t *testing.T) {
	r, err := NewRendezvous([]string{"gw-a:4317", "gw-b:4317", "gw-c:4317"}, make([]*Forwarder, 3))
	if err != nil {
		t.Fatal(err)
	}
	owners := map[int]int{}
	for i := range 3000 {
		key := fmt.Sprintf("instance-%d", i)
		o1, o2 := r.Order(key), r.Order(key)
		if fmt.Sprint(o1) != fmt.Sprint(o2) || len(o1) != 3 {
			t.Fatalf("order for %s not stable: %v %v", key, o1, o2)
		}
		owners[o1[0]]++
		// Removing a gateway moves only the keys it owned.
		r2, _ := NewRendezvous([]string{"gw-a:4317", "gw-c:4317"}, make([]*Forwarder, 2))
		if o1[0] != 1 {
			want := map[int]int{0: 0, 2: 1}[o1[0]]
			if got := r2.Order(key)[0]; got != want {
				t.Fatalf("%s moved from gateway %d when gw-b was removed", key, o1[0])
			}
		}
	}
	for gw, n := range owners {
		if n < 800 || n > 1200 {
			t.Errorf("gateway %d owns %d of 3000 keys; want about a third", gw, n)
		}
	}
	if _, err := NewRendezvous(nil, nil); err == nil {
		t.Error("no forwarders must be an error")
	}
}

// TestRendezvousFailsOverWhileTheOwnerIsDown: a source's data goes to its
// owner; while the owner's gateway is down (its gate open) new data goes to
// the next gateway; the data that was queued at the owner arrives when it
// is back; nothing is lost.
func TestRendezvousFailsOverWhileTheOwnerIsDown(t *testing.T) {
	backends := []*fakebackend.Backend{fakebackend.Start(t), fakebackend.Start(t)}
	var fwds []*Forwarder
	var names []string
	var regs []*prometheus.Registry
	for i, be := range backends {
		reg := prometheus.NewRegistry()
		regs = append(regs, reg)
		f, err := New(testConfig(be, "grpc"), reg, nil)
		if err != nil {
			t.Fatal(err)
		}
		_ = f.Start(context.Background())
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = f.Shutdown(ctx)
		})
		fwds = append(fwds, f)
		names = append(names, fmt.Sprintf("gw-%d", i))
	}
	r, _ := NewRendezvous(names, fwds)
	const key = "9b2f6a3c-db1"
	order := r.Order(key)
	owner, next := backends[order[0]], backends[order[1]]
	route := r.For(key)

	if err := route.Consume(context.Background(), testBatch(5, 0, 0)); err != nil {
		t.Fatal(err)
	}
	owner.WaitForItems(t, 5, 10*time.Second)
	// The backend records a request before its answer reaches the
	// forwarder; taking it down in between would (rightly) resend it.
	for gathered(t, regs[order[0]], "dbintel_forward_items_sent_total") < 5 {
		time.Sleep(5 * time.Millisecond)
	}
	if next.Items() != 0 {
		t.Fatalf("a healthy owner's data went to the next gateway")
	}

	owner.SetDown(true)
	if err := route.Consume(context.Background(), testBatch(5, 0, 0)); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for fwds[order[0]].Healthy() {
		if time.Now().After(deadline) {
			t.Fatal("the owner's gate never opened while its backend was down")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := route.Consume(context.Background(), testBatch(7, 0, 0)); err != nil {
		t.Fatal(err)
	}
	next.WaitForItems(t, 7, 10*time.Second)

	owner.SetDown(false)
	owner.WaitForItems(t, 10, 20*time.Second) // the batch queued while it was down
	if owner.Items() != 10 || next.Items() != 7 {
		t.Fatalf("owner got %d (want 10), next got %d (want 7)", owner.Items(), next.Items())
	}
}
