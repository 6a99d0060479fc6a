// Package grpczstd is the gRPC "zstd" compressor, backed by
// klauspost/compress. gRPC finds compressors only in a process-wide registry
// by name, so the sender (pkg/forward) and any receiver share this one
// registration: one implementation, with a bounded decoder whoever
// registered it.
package grpczstd

import (
	"fmt"
	"io"
	"sync"

	"github.com/klauspost/compress/zstd"
	"google.golang.org/grpc/encoding"
)

// Name is the grpc-encoding value.
const Name = "zstd"

// maxWindow bounds the history buffer a frame may ask for: 8 MiB is what
// klauspost's default encoder and the reference zstd up to level 19 use; a
// frame asking for more is refused instead of allocating it. gRPC itself
// stops reading a message at its max receive size.
const maxWindow = 8 << 20

var once sync.Once

// Register adds the compressor to gRPC's registry, once per process. Call it
// before building a client or server that uses it.
func Register() { once.Do(func() { encoding.RegisterCompressor(&compressor{}) }) }

type compressor struct{ encoders, decoders sync.Pool }

func (*compressor) Name() string { return Name }

func (c *compressor) Compress(w io.Writer) (io.WriteCloser, error) {
	if e, ok := c.encoders.Get().(*zstd.Encoder); ok {
		e.Reset(w)
		return &writer{e: e, pool: &c.encoders}, nil
	}
	e, err := zstd.NewWriter(w, zstd.WithEncoderConcurrency(1), zstd.WithEncoderLevel(zstd.SpeedDefault))
	if err != nil {
		return nil, fmt.Errorf("zstd: %w", err)
	}
	return &writer{e: e, pool: &c.encoders}, nil
}

// Decompress uses a synchronous decoder (no goroutines to leak), returned to
// the pool when gRPC closes the reader.
func (c *compressor) Decompress(r io.Reader) (io.Reader, error) {
	d, ok := c.decoders.Get().(*zstd.Decoder)
	if !ok {
		var err error
		d, err = zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxWindow(maxWindow), zstd.WithDecoderLowmem(true))
		if err != nil {
			return nil, fmt.Errorf("zstd: %w", err)
		}
	}
	if err := d.Reset(r); err != nil {
		c.decoders.Put(d)
		return nil, fmt.Errorf("zstd: %w", err)
	}
	return &reader{d: d, pool: &c.decoders}, nil
}

type writer struct {
	e    *zstd.Encoder
	pool *sync.Pool
}

func (w *writer) Write(b []byte) (int, error) { return w.e.Write(b) }

func (w *writer) Close() error {
	err := w.e.Close()
	w.pool.Put(w.e)
	return err
}

type reader struct {
	d    *zstd.Decoder
	pool *sync.Pool
}

func (r *reader) Read(b []byte) (int, error) {
	if r.d == nil {
		return 0, io.ErrClosedPipe
	}
	return r.d.Read(b)
}

// Close drops the decoder's reference to the message and pools it; gRPC
// calls it exactly once.
func (r *reader) Close() error {
	if r.d != nil {
		_ = r.d.Reset(nil)
		r.pool.Put(r.d)
		r.d = nil
	}
	return nil
}
