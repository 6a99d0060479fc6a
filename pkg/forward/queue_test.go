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
