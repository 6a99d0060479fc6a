package forward

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// segment is one append-only file of records plus its ack log (the offsets
// of records sent or dropped). A segment is deleted once every record in it
// is acknowledged and it is no longer written to.
type segment struct {
	id      uint64
	f       *os.File // log, read with ReadAt, appended while active
	ack     *os.File // ack log, append-only, not fsynced: a lost ack only means a resend
	size    int64
	records int
	acked   int
}

const (
	segmentBytes   = 16 << 20 // rotate the active segment beyond this size
	maxQuarantined = 16       // quarantine files kept; older ones are deleted
	quarantineDir  = "quarantine"
)

func segmentPath(dir string, id uint64, ext string) string {
	return filepath.Join(dir, fmt.Sprintf("seg-%016d.%s", id, ext))
}

// listSegments returns the ids of the segment logs in dir, oldest first.
func listSegments(dir string) ([]uint64, error) {
	names, err := filepath.Glob(filepath.Join(dir, "seg-*.log"))
	if err != nil {
		return nil, err
	}
	var ids []uint64
	for _, n := range names {
		id, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimPrefix(filepath.Base(n), "seg-"), ".log"), 10, 64)
		if err == nil {
			ids = append(ids, id)
		}
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids, nil
}

// removeOrphanAcks deletes ack logs whose segment is gone (a crash between
// the two removals of segment.remove).
func removeOrphanAcks(dir string) {
	acks, _ := filepath.Glob(filepath.Join(dir, "seg-*.ack"))
	for _, a := range acks {
		if _, err := os.Stat(strings.TrimSuffix(a, ".ack") + ".log"); errors.Is(err, os.ErrNotExist) {
			_ = os.Remove(a)
		}
	}
}

func createSegment(dir string, id uint64) (*segment, error) {
	f, err := os.OpenFile(segmentPath(dir, id, "log"), os.O_CREATE|os.O_EXCL|os.O_RDWR|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create segment: %w", err)
	}
	a, err := os.OpenFile(segmentPath(dir, id, "ack"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("create ack log: %w", err)
	}
	// The new directory entries must survive a power loss too.
	return &segment{id: id, f: f, ack: a}, syncDir(dir)
}

// recoverSegment opens an existing segment and returns its unacknowledged
// records (metadata only). A torn or corrupt tail is moved to the
// quarantine directory and cut off; quarantined is its size in bytes.
func recoverSegment(dir string, id uint64) (seg *segment, pending []*item, quarantined int64, err error) {
	f, err := os.OpenFile(segmentPath(dir, id, "log"), os.O_RDWR|os.O_APPEND, 0o600)
	if err != nil {
		return nil, nil, 0, fmt.Errorf("open segment: %w", err)
	}
	seg = &segment{id: id, f: f}
	acked, err := readAcks(segmentPath(dir, id, "ack"))
	if err != nil {
		f.Close()
		return nil, nil, 0, err
	}
	r := bufio.NewReaderSize(f, 1<<20)
	for {
		payload, rerr := readRecord(r)
		if errors.Is(rerr, io.EOF) {
			break
		}
		if rerr != nil {
			if quarantined, err = quarantineTail(dir, seg); err != nil {
				f.Close()
				return nil, nil, 0, err
			}
			break
		}
		it := &item{seg: seg, off: seg.size, onDisk: true}
		recordMeta(payload, it)
		seg.size += it.bytes
		seg.records++
		if acked[it.off] {
			seg.acked++
			continue
		}
		pending = append(pending, it)
	}
	if seg.ack, err = os.OpenFile(segmentPath(dir, id, "ack"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600); err != nil {
		f.Close()
		return nil, nil, 0, fmt.Errorf("open ack log: %w", err)
	}
	return seg, pending, quarantined, nil
}

// readAcks loads the acknowledged offsets; a torn last entry is ignored.
func readAcks(path string) (map[int64]bool, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return map[int64]bool{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read ack log: %w", err)
	}
	acked := make(map[int64]bool, len(data)/8)
	for i := 0; i+8 <= len(data); i += 8 {
		acked[int64(binary.LittleEndian.Uint64(data[i:]))] = true
	}
	return acked, nil
}

// quarantineTail copies everything from seg.size to the end of the file
// into the quarantine directory for inspection, then truncates the segment
// to its last good record, so the next start does not meet it again.
func quarantineTail(dir string, seg *segment) (int64, error) {
	qdir := filepath.Join(dir, quarantineDir)
	if err := os.MkdirAll(qdir, 0o700); err != nil {
		return 0, fmt.Errorf("quarantine: %w", err)
	}
	dst, err := os.Create(filepath.Join(qdir, fmt.Sprintf("seg-%016d.log@%d", seg.id, seg.size)))
	if err != nil {
		return 0, fmt.Errorf("quarantine: %w", err)
	}
	n, err := io.Copy(dst, io.NewSectionReader(seg.f, seg.size, 1<<62))
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, fmt.Errorf("quarantine: %w", err)
	}
	if err := seg.f.Truncate(seg.size); err != nil {
		return 0, fmt.Errorf("quarantine: truncate: %w", err)
	}
	pruneQuarantine(qdir)
	return n, seg.f.Sync()
}

// quarantineSegment moves a whole segment that cannot be read into the
// quarantine directory and returns its size.
func quarantineSegment(dir string, id uint64) (int64, error) {
	qdir := filepath.Join(dir, quarantineDir)
	if err := os.MkdirAll(qdir, 0o700); err != nil {
		return 0, fmt.Errorf("quarantine: %w", err)
	}
	src := segmentPath(dir, id, "log")
	var size int64
	if st, err := os.Stat(src); err == nil {
		size = st.Size()
	}
	if err := os.Rename(src, filepath.Join(qdir, filepath.Base(src)+".unreadable")); err != nil {
		return 0, fmt.Errorf("quarantine: %w", err)
	}
	_ = os.Remove(segmentPath(dir, id, "ack"))
	pruneQuarantine(qdir)
	return max(size, 1), nil // never 0: the move itself must show in the metric
}

// pruneQuarantine keeps the newest maxQuarantined files so repeated crashes
// cannot fill the disk.
func pruneQuarantine(qdir string) {
	names, _ := filepath.Glob(filepath.Join(qdir, "seg-*"))
	sort.Strings(names)
	for len(names) > maxQuarantined {
		_ = os.Remove(names[0])
		names = names[1:]
	}
}

func (s *segment) remove(dir string) error {
	errs := []error{s.f.Close(), s.ack.Close()}
	errs = append(errs, os.Remove(segmentPath(dir, s.id, "log")), os.Remove(segmentPath(dir, s.id, "ack")))
	return errors.Join(errs...)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
