package forward

import (
	"context"
	"errors"
	"sync"
)

var (
	errQueueFull = errors.New("queue full")
	errClosed    = errors.New("queue closed")
)

// queue holds batches between Consume and the workers. An item stays
// accounted for (items, bytes) from put until ack, so what is in flight
// still counts against the bounds.
type queue interface {
	// put stores it. accepted runs under the queue's lock after it is
	// stored and before any worker can take it, so counters never show an
	// item as sent before it was enqueued. evicted are items removed to make
	// room (drop_oldest); the caller counts them.
	put(it *item, accepted func()) (evicted []*item, err error)
	// refuses reports whether put would refuse a batch of n items now,
	// whatever its size, so Consume need not encode it first.
	refuses(n int) bool
	// get blocks until an item is available; errClosed once the queue is
	// closed and nothing is left to hand out.
	get(ctx context.Context) (*item, error)
	// ack forgets an item that was sent or dropped.
	ack(it *item) error
	// closeIntake refuses further puts; get drains what is stored.
	closeIntake()
	// close releases the queue and returns the items it loses (never handed
	// out and not durable); a durable queue keeps them and returns none.
	close() ([]*item, error)
}

// memQueue is a bounded FIFO in memory.
type memQueue struct {
	mu         sync.Mutex
	ch         chan *item
	items      int
	bytes      int64
	maxItems   int
	maxBytes   int64
	dropOldest bool
	closed     bool
}

func newMemQueue(q QueueConfig) *memQueue {
	// Every batch holds at least one item, so size_items slots always suffice.
	return &memQueue{ch: make(chan *item, q.SizeItems), maxItems: q.SizeItems, maxBytes: min(q.MaxBytes, q.MemoryMaxBytes), dropOldest: q.DropOldest}
}

func (q *memQueue) put(it *item, accepted func()) ([]*item, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return nil, errClosed
	}
	var evicted []*item
	// An empty queue takes any batch, so one larger than the bounds is
	// delayed, not refused forever.
	for q.items > 0 && (q.items+it.total() > q.maxItems || q.bytes+it.bytes > q.maxBytes) {
		if !q.dropOldest {
			return evicted, errQueueFull
		}
		select {
		case old := <-q.ch:
			q.items -= old.total()
			q.bytes -= old.bytes
			evicted = append(evicted, old)
		default:
			// What is left is in flight: it cannot be evicted.
			return evicted, errQueueFull
		}
	}
	q.items += it.total()
	q.bytes += it.bytes
	accepted()
	q.ch <- it
	return evicted, nil
}

func (q *memQueue) refuses(n int) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return full(q.items, n, q.maxItems, q.bytes, q.maxBytes, q.dropOldest)
}

// full is put's refusal rule for a batch of n items of any size: only a
// non-empty queue refuses, and drop_oldest may make room instead.
func full(items, n, maxItems int, bytes, maxBytes int64, dropOldest bool) bool {
	return !dropOldest && items > 0 && (items+n > maxItems || bytes >= maxBytes)
}

func (q *memQueue) get(ctx context.Context) (*item, error) {
	select {
	case it, ok := <-q.ch:
		if !ok {
			return nil, errClosed
		}
		return it, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (q *memQueue) ack(it *item) error {
	q.mu.Lock()
	q.items -= it.total()
	q.bytes -= it.bytes
	q.mu.Unlock()
	return nil
}

func (q *memQueue) closeIntake() {
	q.mu.Lock()
	defer q.mu.Unlock()
	if !q.closed {
		q.closed = true
		close(q.ch)
	}
}

func (q *memQueue) close() ([]*item, error) {
	q.closeIntake()
	var lost []*item
	for it := range q.ch {
		lost = append(lost, it)
	}
	return lost, nil
}
