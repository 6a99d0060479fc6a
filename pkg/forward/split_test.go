package forward

import (
	"context"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/dbintel/dbintel/test/fakebackend"
)

func TestSplitKeepsEveryItem(t *testing.T) {
	for _, s := range signals {
		b := testBatch(9, 9, 9)
		whole := part(b, s)
		first := split(s, whole)
		if got, rest := count(first, s), count(whole, s); got != 4 || rest != 5 {
			t.Errorf("%s: split 9 into %d + %d, want 4 + 5", s, got, rest)
		}
	}
}

func TestTooLargeIsSplit(t *testing.T) {
	for _, protocol := range []string{"grpc", "http"} {
		t.Run(protocol, func(t *testing.T) {
			be := fakebackend.Start(t)
			be.SetMaxBytes(3000)
			cfg := testConfig(be, protocol)
			cfg.Compression = "none" // sizes on the wire are then predictable
			f, reg := start(t, cfg)
			b := testBatch(0, 64, 0)
			// One record alone above the cap: the only item that may be lost.
			b.Logs.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(7).Attributes().PutStr("big", strings.Repeat("x", 4000))
			if err := f.Consume(context.Background(), b); err != nil {
				t.Fatal(err)
			}
			be.WaitForItems(t, 63, 20*time.Second)
			waitBalanced(t, reg)
			if got := gathered(t, reg, "dbintel_forward_items_dropped_total", "reason", reasonTooLarge); got != 1 {
				t.Errorf("too_large drops = %v, want 1", got)
			}
			seen := ids(be)
			if len(seen) != 63 || seen["l/id-7"] != 0 {
				t.Errorf("delivered %d distinct records (id-7 %d times), want the 63 others", len(seen), seen["l/id-7"])
			}
			for id, n := range seen {
				if n != 1 {
					t.Errorf("%s delivered %d times", id, n)
				}
			}
		})
	}
}

func TestSplitBeforeSending(t *testing.T) {
	for _, protocol := range []string{"grpc", "http"} {
		t.Run(protocol, func(t *testing.T) {
			be := fakebackend.Start(t)
			be.SetMaxBytes(4000)
			cfg := testConfig(be, protocol)
			cfg.MaxRequestBytes = 4000
			f, reg := start(t, cfg)
			b := testBatch(0, 300, 0)
			rnd := rand.New(rand.NewPCG(1, 2))
			for _, lr := range b.Logs.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().All() {
				noise := make([]byte, 60) // incompressible, so gzip cannot save the request
				for i := range noise {
					noise[i] = byte('a' + rnd.IntN(26))
				}
				lr.Attributes().PutStr("noise", string(noise))
			}
			if err := f.Consume(context.Background(), b); err != nil {
				t.Fatal(err)
			}
			be.WaitForItems(t, 300, 20*time.Second)
			waitBalanced(t, reg)
			for _, r := range be.Requests() {
				if !r.Answer.Success() || r.Bytes > 4000 {
					t.Errorf("request of %d bytes answered %+v: it should have been split before sending", r.Bytes, r.Answer)
				}
			}
			total := 0
			for _, r := range be.Requests() {
				total += r.Bytes
			}
			if total <= 4000 {
				t.Errorf("the data fits one request (%d bytes): the test proves nothing", total)
			}
		})
	}
}
