package forward

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/dbintel/dbintel/pkg/pipeline"
	"github.com/dbintel/dbintel/test/fakebackend"
)

func TestQueueFullRefuses(t *testing.T) {
	be := fakebackend.Start(t)
	cfg := testConfig(be, "grpc")
	cfg.Queue.SizeItems = 10
	reg := newRegistry()
	f, err := New(cfg, reg, nil) // not started: nothing drains
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Consume(context.Background(), testBatch(6, 0, 0)); err != nil {
		t.Fatal(err)
	}
	err = f.Consume(context.Background(), testBatch(5, 0, 0))
	if !errors.Is(err, pipeline.ErrRefused) {
		t.Fatalf("Consume on a full queue = %v, want a refusal", err)
	}
	if d, ok := pipeline.RetryAfter(err); !ok || d <= 0 {
		t.Errorf("refusal carries no retry hint: %v", err)
	}
	if err := f.Consume(context.Background(), testBatch(4, 0, 0)); err != nil {
		t.Fatalf("what fits must still be accepted: %v", err)
	}
	assertBalance(t, reg)
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := f.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if got := gathered(t, reg, "dbintel_forward_items_dropped_total", "reason", reasonShutdown); got != 10 {
		t.Errorf("dropped at shutdown = %v, want 10 (in-memory queue, never started)", got)
	}
	assertBalance(t, reg)
	if err := f.Consume(context.Background(), testBatch(1, 0, 0)); !errors.Is(err, pipeline.ErrRefused) {
		t.Errorf("Consume after Shutdown = %v, want a refusal", err)
	}
}

func TestOversizedBatchWaitsForEmptyQueue(t *testing.T) {
	be := fakebackend.Start(t)
	cfg := testConfig(be, "grpc")
	cfg.Queue.SizeItems = 10
	f, reg := start(t, cfg)
	if err := f.Consume(context.Background(), testBatch(15, 0, 0)); err != nil {
		t.Fatalf("an empty queue must take a batch above its bound, or the sender retries forever: %v", err)
	}
	be.WaitForItems(t, 15, 10*time.Second)
	waitBalanced(t, reg)
}

func TestDropOldest(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Sink.File = filepath.Join(t.TempDir(), "out.jsonl")
	cfg.Queue.SizeItems = 10
	cfg.Queue.DropOldest = true
	reg := newRegistry()
	f, err := New(cfg, reg, nil)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if err := f.Consume(context.Background(), testBatch(4, 0, 0)); err != nil {
			t.Fatalf("drop_oldest must make room: %v", err)
		}
	}
	if got := gathered(t, reg, "dbintel_forward_items_dropped_total", "reason", reasonDropOldest); got != 4 {
		t.Errorf("dropped oldest = %v, want 4", got)
	}
	assertBalance(t, reg)
	_ = f.Start(context.Background())
	waitBalanced(t, reg)
	if got := gathered(t, reg, "dbintel_forward_items_sent_total"); got != 8 {
		t.Errorf("sent = %v, want 8", got)
	}
	_ = f.Shutdown(context.Background())
}

// memory_max_bytes bounds the in-memory queue below max_bytes. A durable
// queue under the same setting keeps accepting up to max_bytes: what is
// beyond the memory bound waits on disk only and is read back to be sent.
func TestMemoryBound(t *testing.T) {
	one := testItem(t, testBatch(50, 0, 0), time.Now()).bytes
	for _, durable := range []bool{false, true} {
		t.Run(map[bool]string{false: "memory", true: "durable"}[durable], func(t *testing.T) {
			be := fakebackend.Start(t)
			cfg := testConfig(be, "grpc")
			if durable {
				cfg.Queue.Dir = t.TempDir()
			}
			cfg.Queue.MemoryMaxBytes = 3 * one
			f, reg := newStopped(t, cfg) // not started: nothing drains
			accepted := 0
			for range 10 {
				err := f.Consume(context.Background(), testBatch(50, 0, 0))
				if err == nil {
					accepted++
				} else if !errors.Is(err, pipeline.ErrRefused) {
					t.Fatal(err)
				}
			}
			if want := map[bool]int{false: 3, true: 10}[durable]; accepted != want {
				t.Fatalf("accepted %d batches, want %d", accepted, want)
			}
			if q, ok := f.q.(*diskQueue); ok {
				q.mu.Lock()
				inMemory := 0
				for _, it := range q.ready {
					if !it.onDisk {
						inMemory++
					}
				}
				hot := q.hot
				q.mu.Unlock()
				if inMemory == 0 || inMemory >= 3 || hot > cfg.Queue.MemoryMaxBytes {
					t.Errorf("%d batches (%d bytes) kept in memory, want 1-2 under %d", inMemory, hot, cfg.Queue.MemoryMaxBytes)
				}
			}
			_ = f.Start(context.Background())
			be.WaitForItems(t, accepted*50, 10*time.Second)
			waitBalanced(t, reg)
			if got := gathered(t, reg, "dbintel_forward_items_sent_total"); got != float64(accepted*50) {
				t.Errorf("sent %v, want %d", got, accepted*50)
			}
			shutdown(t, f, 5*time.Second)
		})
	}
}

// refuses answers before a batch is encoded only where put would refuse it
// whatever its size: an empty queue takes anything, what fits is taken.
func TestRefusesAgreesWithPut(t *testing.T) {
	for _, tc := range []struct {
		name    string
		durable bool
		bytes   bool // bound by bytes (1 byte), not by items
	}{{"memory/items", false, false}, {"memory/bytes", false, true}, {"durable/items", true, false}, {"durable/bytes", true, true}} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultConfig().Queue
			cfg.SizeItems = 10
			if tc.bytes {
				cfg.SizeItems, cfg.MaxBytes, cfg.MemoryMaxBytes = 1000, 1, 1
			}
			var q queue = newMemQueue(cfg)
			if tc.durable {
				cfg.Dir = t.TempDir()
				dq, _, _, err := openDiskQueue(cfg)
				if err != nil {
					t.Fatal(err)
				}
				q = dq
			}
			defer q.close()
			put := func(n int) error {
				_, err := q.put(testItem(t, testBatch(n, 0, 0), time.Now()), func() {})
				return err
			}
			if q.refuses(50) {
				t.Fatal("an empty queue refused")
			}
			if err := put(6); err != nil {
				t.Fatal(err)
			}
			if !tc.bytes && (q.refuses(4) || put(4) != nil) {
				t.Fatal("4 more items fit but were refused")
			}
			if !q.refuses(1) {
				t.Fatal("a full queue does not refuse before encoding")
			}
			if err := put(1); !errors.Is(err, errQueueFull) {
				t.Fatalf("put into a full queue = %v", err)
			}
		})
	}
}
