package forward

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/dbintel/dbintel/pkg/pipeline"
	"github.com/dbintel/dbintel/test/fakebackend"
)

// crash leaves the queue as kill -9 would: written records, some acks, no
// clean close (the files are closed only to release the lock).
func crash(t *testing.T, dir string, put, acked int) {
	t.Helper()
	cfg := DefaultConfig().Queue
	cfg.Dir = dir
	q, _, _, err := openDiskQueue(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for i := range put {
		it := testItem(t, testBatch(i+1, 0, 0), time.Now())
		if _, err := q.put(it, func() {}); err != nil {
			t.Fatal(err)
		}
	}
	for range acked {
		it, err := q.get(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if err := q.ack(it); err != nil {
			t.Fatal(err)
		}
	}
	if err := q.closeFiles(); err != nil {
		t.Fatal(err)
	}
}

func TestRecoveryAfterCrash(t *testing.T) {
	for _, tc := range []struct {
		name          string
		damage        func(t *testing.T, path string)
		wantRecovered float64 // items
		quarantined   bool
	}{
		// Batches hold 1..5 points; two acked (1+2), so 3+4+5 remain.
		{"clean tail", func(*testing.T, string) {}, 12, false},
		{"torn last record", func(t *testing.T, p string) { truncateBy(t, p, 7) }, 7, true},
		{"garbage appended", func(t *testing.T, p string) { appendBytes(t, p, []byte("\x10\x00\x00\x00garbage-garbage")) }, 12, true},
		{"torn header", func(t *testing.T, p string) { appendBytes(t, p, []byte{1, 2, 3}) }, 12, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			crash(t, dir, 5, 2)
			segs := segmentFiles(t, dir)
			if len(segs) != 1 {
				t.Fatalf("segments: %v", segs)
			}
			tc.damage(t, segs[0])
			// And an ack log left without its segment by a crash mid-delete.
			orphan := segmentPath(dir, 12345, "ack")
			if err := os.WriteFile(orphan, make([]byte, 8), 0o600); err != nil {
				t.Fatal(err)
			}
			be := fakebackend.Start(t)
			f, reg := newStopped(t, durableConfig(t, be, dir))
			if got := gathered(t, reg, "dbintel_forward_items_recovered_total"); got != tc.wantRecovered {
				t.Errorf("recovered %v items, want %v", got, tc.wantRecovered)
			}
			q := gathered(t, reg, "dbintel_forward_queue_quarantined_bytes_total")
			if (q > 0) != tc.quarantined {
				t.Errorf("quarantined %v bytes, want quarantine %v", q, tc.quarantined)
			}
			_ = f.Start(context.Background())
			be.WaitForItems(t, int(tc.wantRecovered), 10*time.Second)
			waitBalanced(t, reg)
			shutdown(t, f, 5*time.Second)
			if _, err := os.Stat(orphan); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("orphan ack log kept: %v", err)
			}
			// A second start finds nothing left and nothing corrupt.
			f2, reg2 := newStopped(t, durableConfig(t, be, dir))
			if got := gathered(t, reg2, "dbintel_forward_items_recovered_total") + gathered(t, reg2, "dbintel_forward_queue_quarantined_bytes_total"); got != 0 {
				t.Errorf("second start recovered or quarantined %v", got)
			}
			shutdown(t, f2, time.Second)
		})
	}
}

func truncateBy(t *testing.T, path string, n int64) {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(path, st.Size()-n); err != nil {
		t.Fatal(err)
	}
}

func appendBytes(t *testing.T, path string, b []byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(b); err != nil {
		t.Fatal(err)
	}
}

func TestSegmentsRotateAndRecoverAcrossFiles(t *testing.T) {
	dir := t.TempDir()
	cfg := DefaultConfig().Queue
	cfg.Dir = dir
	q, _, _, err := openDiskQueue(cfg)
	if err != nil {
		t.Fatal(err)
	}
	q.segBytes = 600 // a few records per segment
	for range 30 {
		if _, err := q.put(testItem(t, testBatch(2, 1, 0), time.Now()), func() {}); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(segmentFiles(t, dir)); n < 5 {
		t.Fatalf("%d segments, want rotation", n)
	}
	// Deliver the first 20 out of order within pairs, as workers do.
	for range 10 {
		a, _ := q.get(context.Background())
		b, _ := q.get(context.Background())
		if a.corrupt || b.corrupt || readBack(t, b).Counts() != (pipeline.Counts{Points: 2, Records: 1}) {
			t.Fatal("read back a bad record")
		}
		_ = q.ack(b)
		_ = q.ack(a)
	}
	before := len(segmentFiles(t, dir))
	if err := q.closeFiles(); err != nil { // crash
		t.Fatal(err)
	}
	q2, recovered, quarantined, err := openDiskQueue(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer q2.close()
	if len(recovered) != 10 || quarantined != 0 {
		t.Fatalf("recovered %d batches (quarantined %d bytes), want the 10 unacknowledged", len(recovered), quarantined)
	}
	for _, it := range recovered {
		got, err := q2.get(context.Background())
		if err != nil || got != it || got.corrupt || readBack(t, got).Counts().Total() != 3 {
			t.Fatalf("recovered item unreadable: %v %+v", err, got)
		}
		_ = q2.ack(got)
	}
	if after := len(segmentFiles(t, dir)); after >= before {
		t.Errorf("fully acknowledged segments not deleted: %d files before, %d after", before, after)
	}
}

func TestUnreadableSegmentIsSetAside(t *testing.T) {
	dir := t.TempDir()
	crash(t, dir, 3, 0)
	// A segment that cannot be read: a directory with its name (a mode-000
	// file would not do, tests may run as root).
	if err := os.Mkdir(segmentPath(dir, 999, "log"), 0o700); err != nil {
		t.Fatal(err)
	}
	be := fakebackend.Start(t)
	f, reg := newStopped(t, durableConfig(t, be, dir))
	if got := gathered(t, reg, "dbintel_forward_items_recovered_total"); got != 6 {
		t.Errorf("recovered %v items from the readable segment, want 6", got)
	}
	if got := gathered(t, reg, "dbintel_forward_queue_quarantined_bytes_total"); got == 0 {
		t.Error("the unreadable segment was not reported")
	}
	shutdown(t, f, time.Second)
	if _, err := os.Stat(filepath.Join(dir, quarantineDir, "seg-0000000000000999.log.unreadable")); err != nil {
		t.Errorf("unreadable segment not moved aside: %v", err)
	}
}

func TestStaleDiskDataExpires(t *testing.T) {
	dir := t.TempDir()
	crash(t, dir, 2, 0) // 1 + 2 points, enqueued now
	be := fakebackend.Start(t)
	cfg := durableConfig(t, be, dir)
	cfg.Retry.MaxAge = time.Millisecond // everything on disk is now too old
	time.Sleep(5 * time.Millisecond)
	f, reg := newStopped(t, cfg)
	_ = f.Start(context.Background())
	waitBalanced(t, reg)
	shutdown(t, f, time.Second)
	if got := gathered(t, reg, "dbintel_forward_items_dropped_total", "reason", reasonExpired); got != 3 {
		t.Errorf("expired = %v, want 3", got)
	}
	if n := len(be.Requests()); n != 0 {
		t.Errorf("%d requests sent with data older than max_age", n)
	}
}

// readBack decodes what an item would send, merged into one batch.
func readBack(t testing.TB, it *item) pipeline.Batch {
	t.Helper()
	out := pipeline.NewBatch()
	for _, s := range signals {
		for _, c := range it.chunks[s] {
			b, err := unmarshalSignal(s, c.raw)
			if err != nil {
				t.Fatal(err)
			}
			b.MoveTo(out)
		}
	}
	return out
}
