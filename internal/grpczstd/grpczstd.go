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

// encoderWindow is the history an encoder keeps; OTLP repeats itself
// within a resource, well inside it.
const encoderWindow = 1 << 20

var once sync.Once

// Register adds the compressor to gRPC's registry, once per process. Call it
// before building a client or server that uses it.
func Register() { once.Do(func() { encoding.RegisterCompressor(&compressor{}) }) }

type compressor struct{ encoders sync.Pool }

// decoders are synchronous decoders (no goroutines to leak), reused by
// every reader of the process.
var decoders sync.Pool

func (*compressor) Name() string { return Name }

func (c *compressor) Compress(w io.Writer) (io.WriteCloser, error) {
	if e, ok := c.encoders.Get().(*zstd.Encoder); ok {
		e.Reset(w)
		return &writer{e: e, pool: &c.encoders}, nil
	}
	// A 1 MiB window instead of the default 8 MiB: each pooled encoder
	// holds its window, so 4 forward workers held 32 MiB of history (heap
	// profile under make loadtest) for requests capped at 1 MB compressed.
	e, err := zstd.NewWriter(w, zstd.WithEncoderConcurrency(1), zstd.WithEncoderLevel(zstd.SpeedDefault), zstd.WithWindowSize(encoderWindow))
	if err != nil {
		return nil, fmt.Errorf("zstd: %w", err)
	}
	return &writer{e: e, pool: &c.encoders}, nil
}

// Decompress reads a zstd message; gRPC closes the reader when done.
func (c *compressor) Decompress(r io.Reader) (io.Reader, error) { return NewReader(r) }

// NewReader decompresses r with a pooled decoder whose window is bounded;
// Close returns the decoder to the pool. The OTLP/HTTP receiver uses it too,
// so both transports decode zstd the same way.
func NewReader(r io.Reader) (io.ReadCloser, error) {
	d, ok := decoders.Get().(*zstd.Decoder)
	if !ok {
		var err error
		d, err = zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxWindow(maxWindow), zstd.WithDecoderLowmem(true))
		if err != nil {
			return nil, fmt.Errorf("zstd: %w", err)
		}
	}
	if err := d.Reset(r); err != nil {
		decoders.Put(d)
		return nil, fmt.Errorf("zstd: %w", err)
	}
	return &reader{d: d}, nil
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

type reader struct{ d *zstd.Decoder }

func (r *reader) Read(b []byte) (int, error) {
	if r.d == nil {
		return 0, io.ErrClosedPipe
	}
	return r.d.Read(b)
}

// Close drops the decoder's reference to the message and pools it; gRPC
// and the HTTP receiver call it once.
func (r *reader) Close() error {
	if r.d != nil {
		_ = r.d.Reset(nil)
		decoders.Put(r.d)
		r.d = nil
	}
	return nil
}
