package otlpserver

import (
	"bytes"
	"errors"
	"testing"
	"testing/iotest"
)

func TestReadLimited(t *testing.T) {
	const limit = 100 << 10
	tests := []struct {
		name    string
		size    int
		tooBig  bool
		initCap int
	}{
		{"empty", 0, false, 0},
		{"small", 10, false, 0},
		{"exactly the limit", limit, false, 0},
		{"exactly the limit, presized", limit, false, limit + 512},
		{"one byte over", limit + 1, true, 0},
		{"far over", 10 * limit, true, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := bytes.Repeat([]byte{'x'}, tt.size)
			// One byte per Read: the limit must hold however the reader splits.
			got, err := readLimited(iotest.OneByteReader(bytes.NewReader(in)), make([]byte, 0, tt.initCap), limit, newBudget(1<<30).newLease(), nil)
			if tt.tooBig {
				if !errors.Is(err, errTooLarge) {
					t.Fatalf("err = %v, want errTooLarge", err)
				}
				if len(got) > limit+1 || cap(got) > limit+512 {
					t.Errorf("read %d bytes (cap %d) past a limit of %d", len(got), cap(got), limit)
				}
				return
			}
			if err != nil || !bytes.Equal(got, in) {
				t.Fatalf("got %d bytes, err %v", len(got), err)
			}
		})
	}
}
