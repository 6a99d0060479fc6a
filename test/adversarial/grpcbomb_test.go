package adversarial

import (
	"bytes"
	"compress/gzip"
	"io"
	"sync"

	"google.golang.org/grpc/encoding"
)

// bombCompressor replaces gRPC's "gzip" in this test process: it
// compresses as gzip does, except that a message equal to the armed
// sentinel goes out as a canned gzip stream (a decompression bomb built
// once), so 256 bombs cost the attacker one compression. Decompression is
// plain gzip, which the fake backend needs for what the gateway forwards.
type bombCompressor struct {
	mu       sync.Mutex
	sentinel []byte
	bomb     []byte
}

var bombs = &bombCompressor{}

func init() { encoding.RegisterCompressor(bombs) }

func (c *bombCompressor) arm(sentinel, bomb []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sentinel, c.bomb = sentinel, bomb
}

func (c *bombCompressor) Name() string { return "gzip" }

func (c *bombCompressor) Compress(w io.Writer) (io.WriteCloser, error) {
	return &bombWriter{c: c, w: w}, nil
}

func (c *bombCompressor) Decompress(r io.Reader) (io.Reader, error) { return gzip.NewReader(r) }

type bombWriter struct {
	c   *bombCompressor
	w   io.Writer
	buf bytes.Buffer
}

func (b *bombWriter) Write(p []byte) (int, error) { return b.buf.Write(p) }

func (b *bombWriter) Close() error {
	b.c.mu.Lock()
	sentinel, bomb := b.c.sentinel, b.c.bomb
	b.c.mu.Unlock()
	if sentinel != nil && bytes.Equal(b.buf.Bytes(), sentinel) {
		_, err := b.w.Write(bomb)
		return err
	}
	zw := gzip.NewWriter(b.w)
	if _, err := zw.Write(b.buf.Bytes()); err != nil {
		return err
	}
	return zw.Close()
}

// rawCodec sends pre-marshalled protobuf bytes and ignores the answer's
// body: the attacker only needs the status.
type rawCodec struct{}

func (rawCodec) Marshal(v any) ([]byte, error) { return *(v.(*[]byte)), nil }
func (rawCodec) Unmarshal([]byte, any) error   { return nil }
func (rawCodec) Name() string                  { return "proto" }
