package memlimit

import (
	"context"
	"errors"
	"runtime"
	"strings"
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
	l.now = func() time.Time { return clock }
	l.readHeap = func() uint64 { return heap }
	l.collect = func() { heap = 20 << 20 } // a collection frees most of it

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
		t.Fatalf("above soft limit: got %v, want a refusal", err)
	}
	if d, ok := pipeline.RetryAfter(err); !ok || d != cfg.RetryAfter {
		t.Fatalf("retry hint = %v %v", d, ok)
	}
	if got := testutil.ToFloat64(l.forcedGCs); got != 0 {
		t.Fatalf("forced GCs below the hard limit = %v", got)
	}

	heap = 250 << 20
	clock = clock.Add(time.Second)
	if err := process(); err != nil {
		t.Fatalf("above the hard limit the forced collection should have freed the heap: %v", err)
	}
	if got := testutil.ToFloat64(l.forcedGCs); got != 1 {
		t.Fatalf("forced GCs = %v, want 1", got)
	}
	if got := testutil.ToFloat64(l.refusals); got != 1 {
		t.Fatalf("refusals = %v, want 1", got)
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
