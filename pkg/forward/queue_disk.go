package forward

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"
)

// diskQueue is the durable queue: an append-only log of segment files.
// put returns only after the record is written (and fsynced, with the
// "batch" policy), so what Consume acknowledged survives kill -9. Only
// metadata stays in memory, plus the encoded requests of recently queued
// items up to memory_max_bytes, so the common case never reads back from
// disk while a backlog waits there.
type diskQueue struct {
	dir        string
	lock       *os.File
	maxItems   int
	maxBytes   int64
	dropOldest bool
	interval   time.Duration // 0 = fsync before every put returns
	segBytes   int64         // rotate the active segment beyond this size
	hotMax     int64         // memory_max_bytes: encoded bytes of ready items kept in memory

	mu      sync.Mutex
	segs    map[uint64]*segment
	active  *segment
	ready   []*item // not yet handed out, oldest first
	items   int
	bytes   int64
	hot     int64 // bytes of batches kept in memory for ready items
	written uint64
	closed  bool
	notify  chan struct{} // one pending wake-up for a waiting get
	stopped chan struct{} // closed by closeIntake

	syncMu sync.Mutex // one fsync at a time; later writers ride along
	synced uint64

	tickerDone chan struct{}
	wg         sync.WaitGroup
}

// openDiskQueue opens (or creates) the queue in cfg.Dir and returns what a
// previous run left unsent, oldest first, and the size of any corrupt tail
// it quarantined.
func openDiskQueue(cfg QueueConfig) (*diskQueue, []*item, int64, error) {
	interval, _ := parseFsync(cfg.Fsync) // validated
	if err := os.MkdirAll(cfg.Dir, 0o700); err != nil {
		return nil, nil, 0, fmt.Errorf("queue dir: %w", err)
	}
	lock, err := lockDir(cfg.Dir)
	if err != nil {
		return nil, nil, 0, err
	}
	q := &diskQueue{dir: cfg.Dir, lock: lock, maxItems: cfg.SizeItems, maxBytes: cfg.MaxBytes, dropOldest: cfg.DropOldest,
		interval: interval, segBytes: segmentBytes, hotMax: cfg.MemoryMaxBytes, segs: map[uint64]*segment{}, notify: make(chan struct{}, 1), stopped: make(chan struct{})}
	removeOrphanAcks(cfg.Dir)
	ids, err := listSegments(cfg.Dir)
	if err != nil {
		return nil, nil, 0, errors.Join(err, lock.Close())
	}
	var quarantined int64
	next := uint64(1)
	for _, id := range ids {
		seg, pending, qb, err := recoverSegment(cfg.Dir, id)
		if err != nil {
			// An unreadable segment must not stop every start (a crash
			// loop): set it aside whole, unless even that fails.
			qb, qerr := quarantineSegment(cfg.Dir, id)
			if qerr != nil {
				return nil, nil, 0, errors.Join(fmt.Errorf("queue recovery, segment %d: %w", id, err), qerr, q.closeFiles())
			}
			quarantined += qb
			next = id + 1
			continue
		}
		quarantined += qb
		next = id + 1
		if len(pending) == 0 && seg.acked == seg.records {
			if err := seg.remove(cfg.Dir); err != nil {
				return nil, nil, 0, errors.Join(err, q.closeFiles())
			}
			continue
		}
		q.segs[id] = seg
		for _, it := range pending {
			q.items += it.total()
			q.bytes += it.bytes
		}
		q.ready = append(q.ready, pending...)
	}
	if q.active, err = createSegment(cfg.Dir, next); err != nil {
		return nil, nil, 0, errors.Join(err, q.closeFiles())
	}
	q.segs[next] = q.active
	if interval > 0 {
		q.tickerDone = make(chan struct{})
		q.wg.Add(1)
		go q.syncEvery(interval)
	}
	return q, append([]*item(nil), q.ready...), quarantined, nil
}

func (q *diskQueue) put(it *item, accepted func()) ([]*item, error) {
	rec := encodeRecord(it) // outside the lock: a copy of every request
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return nil, errClosed
	}
	size := int64(len(rec))
	var evicted []*item
	// An empty queue takes any batch, so one larger than the bounds is
	// delayed, not refused forever.
	for q.items > 0 && (q.items+it.total() > q.maxItems || q.bytes+size > q.maxBytes) {
		if !q.dropOldest || len(q.ready) == 0 {
			q.mu.Unlock()
			return evicted, errQueueFull
		}
		old := q.ready[0]
		q.ready = q.ready[1:]
		q.forgetHot(old)
		q.ackLocked(old)
		evicted = append(evicted, old)
	}
	if q.active.size+size > q.segBytes && q.active.records > 0 {
		if err := q.rotate(); err != nil {
			q.mu.Unlock()
			return evicted, err
		}
	}
	if _, err := q.active.f.Write(rec); err != nil {
		// Cut a partial write so the log stays a sequence of whole records.
		_ = q.active.f.Truncate(q.active.size)
		q.mu.Unlock()
		return evicted, fmt.Errorf("queue write: %w", err)
	}
	it.seg, it.off, it.bytes = q.active, q.active.size, size
	q.active.size += size
	q.active.records++
	if q.hot+size <= q.hotMax {
		q.hot += size
	} else {
		it.chunks, it.onDisk = [3][]chunk{}, true
	}
	q.items += it.total()
	q.bytes += size
	accepted()
	q.ready = append(q.ready, it)
	q.written++
	seq := q.written
	q.wake()
	q.mu.Unlock()
	if q.interval == 0 {
		if err := q.syncUpTo(seq); err != nil {
			return evicted, err
		}
	}
	return evicted, nil
}

func (q *diskQueue) refuses(n int) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return full(q.items, n, q.maxItems, q.bytes, q.maxBytes, q.dropOldest)
}

func (q *diskQueue) get(ctx context.Context) (*item, error) {
	for {
		q.mu.Lock()
		if len(q.ready) > 0 {
			it := q.ready[0]
			q.ready[0] = nil
			q.ready = q.ready[1:]
			q.forgetHot(it)
			if len(q.ready) > 0 {
				q.wake()
			}
			q.mu.Unlock()
			if it.onDisk {
				q.load(it)
			}
			return it, nil
		}
		closed := q.closed
		q.mu.Unlock()
		if closed {
			return nil, errClosed
		}
		select {
		case <-q.notify:
		case <-q.stopped:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// load reads an item's requests back from its segment; an unreadable
// record is marked corrupt for the caller to drop and count.
func (q *diskQueue) load(it *item) {
	buf := make([]byte, it.bytes)
	if _, err := it.seg.f.ReadAt(buf, it.off); err != nil {
		it.corrupt = true
		return
	}
	payload, err := readRecord(bytes.NewReader(buf))
	if err == nil {
		it.chunks, err = recordChunks(payload, it.counts)
	}
	it.onDisk, it.corrupt = false, err != nil
}

func (q *diskQueue) ack(it *item) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.ackLocked(it)
}

func (q *diskQueue) ackLocked(it *item) error {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(it.off))
	_, err := it.seg.ack.Write(b[:])
	it.seg.acked++
	q.items -= it.total()
	q.bytes -= it.bytes
	if it.seg != q.active && it.seg.acked == it.seg.records {
		delete(q.segs, it.seg.id)
		err = errors.Join(err, it.seg.remove(q.dir))
	}
	if err != nil {
		return fmt.Errorf("queue ack: %w", err)
	}
	return nil
}

func (q *diskQueue) closeIntake() {
	q.mu.Lock()
	defer q.mu.Unlock()
	if !q.closed {
		q.closed = true
		close(q.stopped)
	}
}

// close syncs and closes every file. Unsent items stay on disk for the next
// start; none is lost, so it returns none.
func (q *diskQueue) close() ([]*item, error) {
	q.closeIntake()
	if q.tickerDone != nil {
		close(q.tickerDone)
		q.wg.Wait()
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	err := q.active.f.Sync()
	if q.active.acked == q.active.records {
		delete(q.segs, q.active.id)
		err = errors.Join(err, q.active.remove(q.dir))
	}
	return nil, errors.Join(err, q.closeFiles())
}

func (q *diskQueue) closeFiles() error {
	var errs []error
	for _, s := range q.segs {
		errs = append(errs, s.f.Close(), s.ack.Close())
	}
	q.segs = map[uint64]*segment{}
	return errors.Join(append(errs, q.lock.Close())...)
}

func (q *diskQueue) wake() {
	select {
	case q.notify <- struct{}{}:
	default:
	}
}

// forgetHot releases the in-memory budget of an item leaving ready.
func (q *diskQueue) forgetHot(it *item) {
	if !it.onDisk {
		q.hot -= it.bytes
	}
}
