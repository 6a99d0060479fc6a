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
	rec, err := encodeRecord(newItem(testBatch(2, 2, 2), time.Unix(1, 0), false))
	if err != nil {
		f.Fatal(err)
	}
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
			if _, err := decodeBatch(payload); err != nil && !errors.Is(err, errCorrupt) {
				t.Fatalf("decode error not marked corrupt: %v", err)
			}
		}
	})
}

func TestRecordRoundTrip(t *testing.T) {
	in := newItem(testBatch(3, 4, 5), time.Unix(0, 12345), false)
	rec, err := encodeRecord(in)
	if err != nil {
		t.Fatal(err)
	}
	payload, err := readRecord(bytes.NewReader(rec))
	if err != nil {
		t.Fatal(err)
	}
	var out item
	recordMeta(payload, &out)
	b, err := decodeBatch(payload)
	if err != nil {
		t.Fatal(err)
	}
	if out.counts != in.counts || !out.enqueued.Equal(in.enqueued) || out.bytes != int64(len(rec)) || b.Counts() != in.batch.Counts() {
		t.Errorf("round trip: got %+v %v, want %+v", out, b.Counts(), in)
	}
	rec[len(rec)-1] ^= 1
	if _, err := readRecord(bytes.NewReader(rec)); !errors.Is(err, errCorrupt) {
		t.Errorf("a flipped bit was not detected: %v", err)
	}
}

// FuzzDecodeBatch skips the CRC (which stops almost every mutation) to
// reach the protobuf decoding of a payload directly.
func FuzzDecodeBatch(f *testing.F) {
	rec, err := encodeRecord(newItem(testBatch(2, 2, 2), time.Unix(1, 0), false))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(rec[recordHeader:])
	f.Fuzz(func(t *testing.T, payload []byte) {
		if len(payload) < payloadFixed {
			return
		}
		if _, err := decodeBatch(payload); err != nil && !errors.Is(err, errCorrupt) {
			t.Fatalf("decode error not marked corrupt: %v", err)
		}
	})
}
