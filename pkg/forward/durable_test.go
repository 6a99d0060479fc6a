package forward

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dbintel/dbintel/pkg/pipeline"
	"github.com/dbintel/dbintel/test/fakebackend"
)

func durableConfig(t *testing.T, be *fakebackend.Backend, dir string) Config {
	t.Helper()
	cfg := testConfig(be, "grpc")
	cfg.Queue.Dir = dir
	return cfg
}

// newStopped builds a forwarder the test shuts down itself.
func newStopped(t *testing.T, cfg Config) (*Forwarder, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	f, err := New(cfg, reg, nil)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return f, reg
}

func shutdown(t *testing.T, f *Forwarder, d time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	if err := f.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
}

func segmentFiles(t *testing.T, dir string) []string {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "seg-*.log"))
	if err != nil {
		t.Fatal(err)
	}
	return names
}

func TestDurableDeliversAndCleansUp(t *testing.T) {
	for _, fsync := range []string{"batch", "20ms"} {
		t.Run(fsync, func(t *testing.T) {
			be := fakebackend.Start(t)
			dir := t.TempDir()
			cfg := durableConfig(t, be, dir)
			cfg.Queue.Fsync = fsync
			f, reg := newStopped(t, cfg)
			_ = f.Start(context.Background())
			for range 20 {
				if err := f.Consume(context.Background(), testBatch(5, 5, 5)); err != nil {
					t.Fatal(err)
				}
			}
			be.WaitForItems(t, 300, 10*time.Second)
			waitBalanced(t, reg)
			shutdown(t, f, 5*time.Second)
			if len(ids(be)) != 15 { // 5 distinct ids per signal, 20 times each
				t.Errorf("distinct ids = %d", len(ids(be)))
			}
			if files := segmentFiles(t, dir); len(files) != 0 {
				t.Errorf("segments left after everything was delivered: %v", files)
			}
		})
	}
}

func TestDurableSurvivesShutdownWhileBackendDown(t *testing.T) {
	be := fakebackend.Start(t)
	be.SetDown(true)
	dir := t.TempDir()
	cfg := durableConfig(t, be, dir)
	f, reg := newStopped(t, cfg)
	_ = f.Start(context.Background())
	for range 10 {
		if err := f.Consume(context.Background(), testBatch(3, 2, 1)); err != nil {
			t.Fatal(err)
		}
	}
	shutdown(t, f, 300*time.Millisecond) // the backend is down: the deadline passes
	if got := gathered(t, reg, "dbintel_forward_items_dropped_total"); got != 0 {
		t.Fatalf("dropped %v items at shutdown with a durable queue", got)
	}
	be.SetDown(false)
	f2, reg2 := newStopped(t, cfg)
	if got := gathered(t, reg2, "dbintel_forward_items_recovered_total"); got != 60 {
		t.Errorf("recovered %v items, want 60", got)
	}
	_ = f2.Start(context.Background())
	be.WaitForItems(t, 60, 10*time.Second)
	waitBalanced(t, reg2)
	shutdown(t, f2, 5*time.Second)
	if got := be.Items(); got != 60 {
		t.Errorf("backend got %d items, want exactly 60", got)
	}
}

func TestQueueDirIsLocked(t *testing.T) {
	be := fakebackend.Start(t)
	cfg := durableConfig(t, be, t.TempDir())
	f, _ := newStopped(t, cfg)
	defer shutdown(t, f, time.Second)
	if _, err := New(cfg, nil, nil); err == nil {
		t.Fatal("a second forwarder opened the same queue dir")
	}
}

func TestDurableQueueFull(t *testing.T) {
	for _, dropOldest := range []bool{false, true} {
		t.Run(map[bool]string{false: "refuse", true: "drop_oldest"}[dropOldest], func(t *testing.T) {
			be := fakebackend.Start(t)
			cfg := durableConfig(t, be, t.TempDir())
			cfg.Queue.MaxBytes = 2000
			cfg.Queue.DropOldest = dropOldest
			f, reg := newStopped(t, cfg) // not started: nothing drains
			var refused int
			for range 20 {
				err := f.Consume(context.Background(), testBatch(3, 0, 0))
				if errors.Is(err, pipeline.ErrRefused) {
					refused++
				} else if err != nil {
					t.Fatal(err)
				}
			}
			assertBalance(t, reg)
			evicted := gathered(t, reg, "dbintel_forward_items_dropped_total", "reason", reasonDropOldest)
			if dropOldest && (refused != 0 || evicted == 0) {
				t.Errorf("drop_oldest: %d refused, %v evicted", refused, evicted)
			}
			if !dropOldest && (refused == 0 || evicted != 0) {
				t.Errorf("refuse: %d refused, %v evicted", refused, evicted)
			}
			accepted := gathered(t, reg, "dbintel_forward_items_enqueued_total") - evicted
			_ = f.Start(context.Background())
			be.WaitForItems(t, int(accepted), 10*time.Second)
			waitBalanced(t, reg)
			shutdown(t, f, 5*time.Second)
		})
	}
}

func TestExpiredAfterMaxAge(t *testing.T) {
	be := fakebackend.Start(t)
	be.SetDown(true)
	cfg := testConfig(be, "grpc")
	cfg.Retry.MaxAge = 300 * time.Millisecond
	f, reg := start(t, cfg)
	_ = f.Consume(context.Background(), testBatch(4, 0, 0))
	waitBalanced(t, reg)
	if got := gathered(t, reg, "dbintel_forward_items_dropped_total", "reason", reasonExpired); got != 4 {
		t.Errorf("expired = %v, want 4", got)
	}
}
