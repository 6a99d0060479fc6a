package otlpserver

import (
	"fmt"
	"io"
	"sync"

	"github.com/klauspost/compress/zstd"
	"google.golang.org/grpc/encoding"
)

// zstdMaxWindow bounds the history buffer a zstd frame may ask for. 8 MiB is
// what klauspost's default encoder and the reference zstd up to level 19 use;
// a frame asking for more is refused instead of allocating it.
const zstdMaxWindow = 8 << 20

// zstdDecoders are synchronous decoders (concurrency 1: no goroutines to
// leak) reused across requests of both transports.
var zstdDecoders = sync.Pool{New: func() any {
	d, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxWindow(zstdMaxWindow), zstd.WithDecoderLowmem(true))
	if err != nil {
		// Only invalid options fail, and these are constant.
		return err
	}
	return d
}}

// pooledZstdReader returns its decoder to the pool on Close.
type pooledZstdReader struct{ d *zstd.Decoder }

func newZstdReader(r io.Reader) (*pooledZstdReader, error) {
	switch v := zstdDecoders.Get().(type) {
	case *zstd.Decoder:
		if err := v.Reset(r); err != nil {
			return nil, fmt.Errorf("zstd: %w", err)
		}
		return &pooledZstdReader{d: v}, nil
	case error:
		return nil, fmt.Errorf("zstd: %w", v)
	default:
		return nil, fmt.Errorf("zstd: unexpected pool value %T", v)
	}
}

func (p *pooledZstdReader) Read(b []byte) (int, error) { return p.d.Read(b) }

func (p *pooledZstdReader) Close() error {
	if p.d == nil {
		return nil
	}
	_ = p.d.Reset(nil) // drop the reference to the request body
	zstdDecoders.Put(p.d)
	p.d = nil
	return nil
}

// zstdCompressor is the gRPC "zstd" compressor. gRPC reads at most
// max_recv_msg_size_bytes+1 bytes from Decompress before answering
// RESOURCE_EXHAUSTED, so a zstd bomb stays bounded like a gzip one.
type zstdCompressor struct{ encoders sync.Pool }

var registerZstd sync.Once

// registerGRPCZstd registers the compressor once per process: gRPC only has a
// global registry.
func registerGRPCZstd() {
	registerZstd.Do(func() { encoding.RegisterCompressor(&zstdCompressor{}) })
}

func (*zstdCompressor) Name() string { return "zstd" }

func (*zstdCompressor) Decompress(r io.Reader) (io.Reader, error) { return newZstdReader(r) }

func (c *zstdCompressor) Compress(w io.Writer) (io.WriteCloser, error) {
	if e, ok := c.encoders.Get().(*zstd.Encoder); ok {
		e.Reset(w)
		return &pooledZstdWriter{e: e, pool: &c.encoders}, nil
	}
	e, err := zstd.NewWriter(w, zstd.WithEncoderConcurrency(1), zstd.WithEncoderLevel(zstd.SpeedFastest))
	if err != nil {
		return nil, fmt.Errorf("zstd: %w", err)
	}
	return &pooledZstdWriter{e: e, pool: &c.encoders}, nil
}

type pooledZstdWriter struct {
	e    *zstd.Encoder
	pool *sync.Pool
}

func (p *pooledZstdWriter) Write(b []byte) (int, error) { return p.e.Write(b) }

func (p *pooledZstdWriter) Close() error {
	err := p.e.Close()
	p.pool.Put(p.e)
	return err
}
