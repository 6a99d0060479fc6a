package forward

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"time"
)

// FuzzReadRecord feeds arbitrary queue-file bytes to the recovery decoder:
// whatever a crash or a disk leaves behind must be rejected as corrupt,
// never panic (a panic at start would be a crash loop).
func FuzzReadRecord(f *testing.F) {
	rec := encodeRecord(testItem(f, testBatch(2, 2, 2), time.Unix(1, 0)))
	f.Add(rec) // a valid record: proves the decoder is reached
	f.Add(rec[:len(rec)-3])
	f.Add([]byte{0xff, 0xff, 0xff, 0x0f, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		r := bytes.NewReader(data)
		for {
			payload, err := readRecord(r)
			if errors.Is(err, io.EOF) || errors.Is(err, errCorrupt) {
				return
			}
			if err != nil {
				t.Fatalf("unexpected error %v", err)
			}
			var it item
			recordMeta(payload, &it)
			if _, err := recordChunks(payload, it.counts); err != nil && !errors.Is(err, errCorrupt) {
				t.Fatalf("decode error not marked corrupt: %v", err)
			}
		}
	})
}

func TestRecordRoundTrip(t *testing.T) {
	in := testItem(t, testBatch(3, 4, 5), time.Unix(0, 12345))
	rec := encodeRecord(in)
	payload, err := readRecord(bytes.NewReader(rec))
	if err != nil {
		t.Fatal(err)
	}
	var out item
	recordMeta(payload, &out)
	if out.chunks, err = recordChunks(payload, out.counts); err != nil {
		t.Fatal(err)
	}
	if b := readBack(t, &out); out.counts != in.counts || !out.enqueued.Equal(in.enqueued) || out.bytes != int64(len(rec)) || b.Counts() != readBack(t, in).Counts() {
		t.Errorf("round trip: got %+v %v, want %+v", out, b.Counts(), in)
	}
	rec[len(rec)-1] ^= 1
	if _, err := readRecord(bytes.NewReader(rec)); !errors.Is(err, errCorrupt) {
		t.Errorf("a flipped bit was not detected: %v", err)
	}
}

// FuzzRecordChunks skips the CRC (which stops almost every mutation) to
// reach the framing of a payload's requests directly.
func FuzzRecordChunks(f *testing.F) {
	rec := encodeRecord(testItem(f, testBatch(2, 2, 2), time.Unix(1, 0)))
	f.Add(rec[recordHeader:])
	f.Fuzz(func(t *testing.T, payload []byte) {
		if len(payload) < payloadFixed {
			return
		}
		var it item
		recordMeta(payload, &it)
		cs, err := recordChunks(payload, it.counts)
		if err != nil && !errors.Is(err, errCorrupt) {
			t.Fatalf("framing error not marked corrupt: %v", err)
		}
		for s := range cs {
			for _, c := range cs[s] {
				if c.n != it.counts[s] || len(c.raw) == 0 {
					t.Fatalf("signal %d: chunk of %d bytes for %d items, header says %d", s, len(c.raw), c.n, it.counts[s])
				}
			}
		}
	})
}
