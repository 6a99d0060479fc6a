package forward

import (
	"context"
	"errors"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/dbintel/dbintel/pkg/pipeline"
	"github.com/dbintel/dbintel/test/fakebackend"
)

// TestAdmitRefusesWhileTheQueueIsFull: while the backend throttles and the
// queue holds its bound, Admit refuses retryably (so a receiver does not
// decode a request whose batch would be refused), for one forwarder and for
// a fan-out whose every backend is full; once the queue drains, it admits.
func TestAdmitRefusesWhileTheQueueIsFull(t *testing.T) {
	be := fakebackend.Start(t)
	be.Script(fakebackend.Response{Code: codes.ResourceExhausted, RetryAfter: time.Second})
	cfg := testConfig(be, "grpc")
	cfg.Queue.SizeItems, cfg.Queue.Workers = 2, 1
	f, reg := start(t, cfg)
	if err := f.Admit(); err != nil {
		t.Fatalf("Admit on an empty queue: %v", err)
	}
	if err := f.Consume(context.Background(), testBatch(2, 0, 0)); err != nil {
		t.Fatal(err)
	}
	err := f.Admit()
	if !errors.Is(err, pipeline.ErrRefused) {
		t.Fatalf("Admit with the queue at its bound = %v, want a retryable refusal", err)
	}
	if consumeErr := f.Consume(context.Background(), testBatch(1, 0, 0)); consumeErr == nil || consumeErr.Error() != err.Error() {
		t.Fatalf("Consume refused with %v, Admit with %v: want the same answer", consumeErr, err)
	}
	fo := &Fanout{fs: []*Forwarder{f, f}}
	if !errors.Is(fo.Admit(), pipeline.ErrRefused) {
		t.Fatal("fan-out whose backends are all full admits")
	}
	be.WaitForItems(t, 2, 10*time.Second)
	waitBalanced(t, reg)
	if err := f.Admit(); err != nil {
		t.Fatalf("Admit after the queue drained: %v", err)
	}
	if err := fo.Admit(); err != nil {
		t.Fatalf("fan-out Admit after the queue drained: %v", err)
	}
}
