package postgres

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// maxReadPerCollect bounds the log bytes read in one collection, so a log
// storm costs bounded memory; the rest is read next time.
const maxReadPerCollect = 8 << 20

// errNoLogFile: the directory holds no log file (of the configured format).
var errNoLogFile = errors.New("no log file")

// tailer follows the server log: a file, or the newest log file of a
// directory (logging_collector rotates into new files). It starts at the
// end, so history is never replayed, finishes a rotated file before moving
// to the next, and restarts from 0 when a file was truncated.
type tailer struct {
	path    string // file or directory
	format  string // "" = from the file name
	f       *os.File
	info    os.FileInfo
	offset  int64
	pending []byte // incomplete record kept for the next read
}

// current returns the file to follow.
func (t *tailer) current() (string, os.FileInfo, error) {
	st, err := os.Stat(t.path)
	if err != nil {
		return "", nil, err
	}
	if !st.IsDir() {
		return t.path, st, nil
	}
	entries, err := os.ReadDir(t.path)
	if err != nil {
		return "", nil, err
	}
	var best string
	var bestInfo fs.FileInfo
	for _, e := range entries {
		if e.IsDir() || (t.format != "" && formatOf(e.Name()) != t.format) {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue
		}
		if bestInfo == nil || info.ModTime().After(bestInfo.ModTime()) ||
			(info.ModTime().Equal(bestInfo.ModTime()) && rank(e.Name()) > rank(best)) {
			best, bestInfo = e.Name(), info
		}
	}
	if bestInfo == nil {
		return "", nil, fmt.Errorf("%w in %s", errNoLogFile, t.path)
	}
	return filepath.Join(t.path, best), bestInfo, nil
}

// rank prefers structured logs when several formats are written at once.
func rank(name string) int {
	switch formatOf(name) {
	case formatJSON:
		return 2
	case formatCSV:
		return 1
	}
	return 0
}

func formatOf(name string) string {
	switch {
	case strings.HasSuffix(name, ".json"):
		return formatJSON
	case strings.HasSuffix(name, ".csv"):
		return formatCSV
	}
	return formatStderr
}

// chunk is what one read returns: data of one file in one format.
type chunk struct {
	format string
	data   []byte
	final  bool // no more data will follow in this file for now
}

// read returns the new data since the last call. The first call only
// positions at the end.
func (t *tailer) read() ([]chunk, error) {
	path, info, err := t.current()
	if err != nil {
		return nil, err
	}
	if t.f == nil {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		t.f, t.info, t.offset = f, info, info.Size()
		return nil, nil
	}
	var out []chunk
	if !os.SameFile(info, t.info) { // rotated: drain the old file, then switch
		c, err := t.drain(true)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
		t.f.Close()
		f, err := os.Open(path)
		if err != nil {
			t.f = nil
			return out, err
		}
		t.f, t.info, t.offset, t.pending = f, info, 0, nil
	} else if info.Size() < t.offset { // truncated
		t.offset, t.pending = 0, nil
	}
	c, err := t.drain(false)
	if err != nil {
		return out, err
	}
	return append(out, c), nil
}

// drain reads from offset, prepending what was pending.
func (t *tailer) drain(final bool) (chunk, error) {
	st, err := t.f.Stat()
	if err != nil {
		return chunk{}, err
	}
	buf := make([]byte, min(max(st.Size()-t.offset, 0), maxReadPerCollect))
	n, err := t.f.ReadAt(buf, t.offset)
	if err != nil && !errors.Is(err, io.EOF) {
		return chunk{}, err
	}
	t.offset += int64(n)
	data := append(t.pending, buf[:n]...)
	t.pending = nil
	// Nothing new since last time: whatever was pending is complete.
	return chunk{format: formatOf(t.f.Name()), data: data, final: final || n == 0}, nil
}

// keep stores the unconsumed tail of a chunk for the next read.
func (t *tailer) keep(rest []byte) { t.pending = append([]byte(nil), rest...) }

func (t *tailer) close() {
	if t.f != nil {
		t.f.Close()
		t.f = nil
	}
}
