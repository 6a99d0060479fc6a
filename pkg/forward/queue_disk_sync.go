package forward

import (
	"errors"
	"fmt"
	"os"
	"time"
)

// rotate seals the active segment (fsynced, so syncUpTo never needs to look
// back) and starts the next one. Called with mu held.
func (q *diskQueue) rotate() error {
	if err := q.active.f.Sync(); err != nil {
		return fmt.Errorf("queue sync: %w", err)
	}
	next, err := createSegment(q.dir, q.active.id+1)
	if err != nil {
		return err
	}
	if q.active.acked == q.active.records {
		delete(q.segs, q.active.id)
		_ = q.active.remove(q.dir)
	}
	q.active = next
	q.segs[next.id] = next
	return nil
}

// syncUpTo returns once every write up to seq is on stable storage. Writers
// arriving during an fsync share the next one (group commit).
func (q *diskQueue) syncUpTo(seq uint64) error {
	q.syncMu.Lock()
	defer q.syncMu.Unlock()
	if q.synced >= seq {
		return nil
	}
	q.mu.Lock()
	f, upTo := q.active.f, q.written
	q.mu.Unlock()
	// A segment closed meanwhile was rotated (synced then) and emptied.
	if err := f.Sync(); err != nil && !errors.Is(err, os.ErrClosed) {
		return fmt.Errorf("queue sync: %w", err)
	}
	q.synced = upTo
	return nil
}

func (q *diskQueue) syncEvery(d time.Duration) {
	defer q.wg.Done()
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-q.tickerDone:
			return
		case <-t.C:
			q.mu.Lock()
			seq := q.written
			q.mu.Unlock()
			_ = q.syncUpTo(seq) // a failing disk shows again on the next write
		}
	}
}

// probeBytes is written by probe: a full disk refuses it, where creating an
// empty file could still succeed.
const probeBytes = 4096

// probe writes, syncs and removes a small file in the queue directory: nil
// means queue writes would work again.
func (q *diskQueue) probe() error {
	f, err := os.CreateTemp(q.dir, "write-probe-*")
	if err != nil {
		return err
	}
	_, err = f.Write(make([]byte, probeBytes))
	return errors.Join(err, f.Sync(), f.Close(), os.Remove(f.Name()))
}
