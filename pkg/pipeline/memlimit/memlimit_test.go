package memlimit

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dbintel/dbintel/pkg/pipeline"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestRefusesAboveSoftLimitAndRecovers(t *testing.T) {
	cfg := DefaultConfig()
	cfg.SoftLimitMiB, cfg.HardLimitMiB = 100, 200
	l, err := New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	clock := time.Unix(0, 0)
	heap := uint64(50 << 20)
	afterGC := uint64(150 << 20) // what a collection leaves
	l.now = func() time.Time { return clock }
	l.readHeap = func() uint64 { return heap }
	l.collect = func() { heap = afterGC }

	process := func() error {
		_, err := l.Process(context.Background(), pipeline.NewBatch())
		return err
	}
	if err := process(); err != nil {
		t.Fatalf("below soft limit: %v", err)
	}

	heap = 150 << 20
	if err := process(); err != nil {
		t.Fatal("the heap is re-read only once per check interval; a read inside it must reuse the old value")
	}
	clock = clock.Add(time.Second)
	err = process()
	if !errors.Is(err, pipeline.ErrRefused) {
		t.Fatalf("above soft limit, live data: got %v, want a refusal", err)
	}
	if d, ok := pipeline.RetryAfter(err); !ok || d != cfg.RetryAfter {
		t.Fatalf("retry hint = %v %v", d, ok)
	}
	if got := testutil.ToFloat64(l.forcedGCs); got != 1 {
		t.Fatalf("forced GCs above the soft limit = %v, want 1", got)
	}

	// Garbage above the soft limit: with every batch refused nothing
	// allocates, so the runtime would not collect it for minutes; the
	// limiter's own collection frees it (the gateway used to refuse normal
	// traffic for minutes after a burst of large requests).
	heap, afterGC = 150<<20, 20<<20
	clock = clock.Add(100 * time.Millisecond)
	if err := process(); !errors.Is(err, pipeline.ErrRefused) {
		t.Fatalf("within a second of the last forced collection: got %v, want a refusal", err)
	}
	clock = clock.Add(time.Second)
	if err := process(); err != nil {
		t.Fatalf("above the soft limit with garbage only, the forced collection should have freed the heap: %v", err)
	}

	heap = 250 << 20
	clock = clock.Add(time.Second)
	if err := process(); err != nil {
		t.Fatalf("above the hard limit the forced collection should have freed the heap: %v", err)
	}
	if got := testutil.ToFloat64(l.forcedGCs); got != 3 {
		t.Fatalf("forced GCs = %v, want 3", got)
	}
	if got := testutil.ToFloat64(l.refusals); got != 2 {
		t.Fatalf("refusals = %v, want 2", got)
	}
}

func TestReadHeapSeesLiveAllocations(t *testing.T) {
	runtime.GC()
	before := readHeap()
	ballast := make([]byte, 64<<20)
	ballast[len(ballast)-1] = 1
	after := readHeap()
	runtime.KeepAlive(ballast)
	if before == 0 || after < before+60<<20 {
		t.Fatalf("heap before %d, after a live 64 MiB allocation %d", before, after)
	}
}

func TestValidate(t *testing.T) {
	err := Config{SoftLimitMiB: 10, HardLimitMiB: 5}.Validate()
	if err == nil {
		t.Fatal("want problems")
	}
	for _, key := range []string{"hard_limit_mib", "check_interval", "retry_after"} {
		if !strings.Contains(err.Error(), key) {
			t.Errorf("missing %s in %v", key, err)
		}
	}
}

func BenchmarkProcess(b *testing.B) {
	l, _ := New(DefaultConfig(), nil)
	batch := pipeline.NewBatch()
	b.ReportAllocs()
	for b.Loop() {
		_, _ = l.Process(context.Background(), batch)
	}
}

// TestForcedGCOutsideTheLock: while one caller forces a collection, the
// limiter's lock is free and other callers answer at once from the last
// reading instead of queueing behind the GC or starting a second one.
func TestForcedGCOutsideTheLock(t *testing.T) {
	cfg := DefaultConfig()
	cfg.SoftLimitMiB, cfg.HardLimitMiB = 100, 200
	l, err := New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	var clock atomic.Int64 // seconds; every call is a new check interval
	l.now = func() time.Time { return time.Unix(clock.Add(2), 0) }
	l.readHeap = func() uint64 { return 250 << 20 } // stays above the hard limit
	var collections, others atomic.Int32
	l.collect = func() {
		if collections.Add(1) > 1 {
			return
		}
		if !l.mu.TryLock() {
			t.Error("the limiter's lock is held during the forced GC")
			return
		}
		l.mu.Unlock()
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				if _, err := l.Process(context.Background(), pipeline.NewBatch()); errors.Is(err, pipeline.ErrRefused) {
					others.Add(1)
				}
			})
		}
		wg.Wait() // returns only if they do not wait for this GC
	}
	if _, err := l.Process(context.Background(), pipeline.NewBatch()); !errors.Is(err, pipeline.ErrRefused) {
		t.Fatalf("heap above the hard limit after the GC: got %v, want a refusal", err)
	}
	if got := collections.Load(); got != 1 {
		t.Errorf("forced GCs = %d, want 1 (one at a time)", got)
	}
	if got := others.Load(); got != 8 {
		t.Errorf("%d of 8 concurrent callers answered during the GC", got)
	}
	if got := testutil.ToFloat64(l.forcedGCs); got != 1 {
		t.Errorf("forced_gc_total = %v", got)
	}
}
