package grpczstd

import (
	"bytes"
	"io"
	"testing"

	"github.com/klauspost/compress/zstd"
	"google.golang.org/grpc/encoding"
)

func TestRegisteredRoundTrip(t *testing.T) {
	Register()
	Register() // idempotent
	c := encoding.GetCompressor(Name)
	if c == nil {
		t.Fatal("not registered")
	}
	msg := bytes.Repeat([]byte("select * from t where id = ?;"), 1000)
	for range 3 { // pooled encoders and decoders are reused cleanly
		var buf bytes.Buffer
		w, err := c.Compress(&buf)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = w.Write(msg)
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		// The reference decoder reads what we wrote.
		ref, _ := zstd.NewReader(nil)
		plain, err := ref.DecodeAll(buf.Bytes(), nil)
		ref.Close()
		if err != nil || !bytes.Equal(plain, msg) {
			t.Fatalf("reference decode: %v", err)
		}
		r, err := c.Decompress(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(r)
		if err != nil || !bytes.Equal(got, msg) {
			t.Fatalf("round trip: %v", err)
		}
		_ = r.(io.Closer).Close()
	}
}

func TestGarbageIsAnError(t *testing.T) {
	r, err := (&compressor{}).Decompress(bytes.NewReader([]byte("not zstd at all")))
	if err == nil {
		_, err = io.ReadAll(r)
	}
	if err == nil {
		t.Fatal("garbage decoded without error")
	}
}
