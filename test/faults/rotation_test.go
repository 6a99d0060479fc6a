package faults

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/dbintel/dbintel/test/fakebackend"
	"github.com/dbintel/dbintel/test/harness"
)

// TestQueueSegments: a backlog larger than one 16 MiB segment file survives
// kill -9 across segments, is delivered in full, and the delivered
// segments are deleted (the disk is given back).
func TestQueueSegments(t *testing.T) {
	t.Parallel()
	be := fakebackend.Start(t)
	be.SetDown(true)
	dir := t.TempDir()
	env := gatewayEnv(t, be, "grpc", map[string]string{"DBINTEL_QUEUE_DIR": dir})
	config := writeConfig(t, fastRetry...)
	g := startGateway(t, env, config)
	s := harness.NewLogSender(t, g.GRPC)

	// 20 requests of 1,000 records with 1 KiB random bodies: about 20 MiB
	// on disk, so at least two segments.
	for range 20 {
		if _, err := s.Send(context.Background(), 1000, 1024); err != nil {
			t.Fatal(err)
		}
	}
	segs, _ := filepath.Glob(filepath.Join(dir, "seg-*.log"))
	t.Logf("%d segment files, %d bytes on disk", len(segs), diskBytes(t, dir))
	if len(segs) < 2 {
		t.Fatalf("%d segment files: the backlog did not span segments", len(segs))
	}
	g.Kill()

	g = startGateway(t, env, config)
	be.SetDown(false)
	requireNoLoss(t, waitDelivered(t, be, s.Acked(), deliveryTimeout))
	waitQueueEmpty(t, g)
	checkBalance(t, g)
	segs, _ = filepath.Glob(filepath.Join(dir, "seg-*"))
	t.Logf("after delivery: %v, %d bytes", segs, diskBytes(t, dir))
	if len(segs) > 2 { // the active segment and its ack log
		t.Errorf("delivered segments not deleted: %v", segs)
	}
}
