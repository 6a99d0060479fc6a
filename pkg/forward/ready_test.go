package forward

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/dbintel/dbintel/pkg/pipeline"
	"github.com/dbintel/dbintel/test/fakebackend"
)

// TestNotReadyWhileQueueWritesFail: when the durable queue cannot write
// (its directory replaced by a file, so a new segment fails with ENOTDIR),
// data is refused and /readyz says not ready; once the directory is back,
// readiness returns (by a probe write, without waiting for traffic) and data
// is accepted again.
func TestNotReadyWhileQueueWritesFail(t *testing.T) {
	be := fakebackend.Start(t)
	dir := t.TempDir() + "/queue"
	f, _ := newStopped(t, durableConfig(t, be, dir))
	f.q.(*diskQueue).segBytes = 1 // every write starts a new segment file
	_ = f.Start(context.Background())
	defer shutdown(t, f, 5*time.Second)

	if err := f.Consume(context.Background(), testBatch(1, 0, 0)); err != nil {
		t.Fatal(err)
	}
	if err := f.Ready(); err != nil {
		t.Fatalf("ready before the failure: %v", err)
	}

	if err := os.Rename(dir, dir+".away"); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dir, []byte("not a directory"), 0o600); err != nil {
		t.Fatal(err)
	}
	err := f.Consume(context.Background(), testBatch(1, 0, 0))
	if !errors.Is(err, pipeline.ErrRefused) {
		t.Fatalf("consume with an unwritable queue: %v, want a retryable refusal", err)
	}
	for range 2 { // the probe fails too while the directory is a file
		if err := f.Ready(); err == nil || !strings.Contains(err.Error(), "queue") {
			t.Fatalf("ready while queue writes fail: %v", err)
		}
	}
	if f.Healthy() {
		t.Error("healthy while queue writes fail")
	}

	if err := os.Remove(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(dir+".away", dir); err != nil {
		t.Fatal(err)
	}
	if err := f.Ready(); err != nil {
		t.Fatalf("not ready once the queue directory is back: %v", err)
	}
	if err := f.Consume(context.Background(), testBatch(1, 0, 0)); err != nil {
		t.Fatalf("consume after recovery: %v", err)
	}
	be.WaitForItems(t, 2, 10*time.Second)
}
