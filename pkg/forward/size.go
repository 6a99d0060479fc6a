package forward

import (
	"math"
	"sync/atomic"
	"time"

	"google.golang.org/grpc/encoding"

	"github.com/dbintel/dbintel/pkg/pipeline"
)

// encode turns b into a queue item: each signal is marshalled once, split
// first when its request would exceed max_request_bytes. The item keeps
// only bytes, so b is garbage once Consume returns. b is only read, so a
// fan-out hands the same batch to every backend. c is b.Counts().
func (f *Forwarder) encode(b pipeline.Batch, c pipeline.Counts, now time.Time) (*item, error) {
	it := &item{counts: [3]int{c.Points, c.Records, c.Spans}, enqueued: now}
	for _, s := range signals {
		if it.counts[s] == 0 {
			continue
		}
		cs, err := f.chunksOf(s, part(b, s), it.counts[s], false, nil)
		if err != nil {
			return nil, err
		}
		it.chunks[s] = cs
	}
	it.bytes = it.encodedSize()
	return it, nil
}

// chunksOf appends signal s of b (n items) to out as chunks that each fit
// max_request_bytes, splitting in halves as needed; owned says b may be
// split in place, else a copy is. It marshals before measuring: the common
// batch fits, and its size is then known without a separate walk.
func (f *Forwarder) chunksOf(s signal, b pipeline.Batch, n int, owned bool, out []chunk) ([]chunk, error) {
	raw, err := marshalSignal(s, b)
	if err != nil {
		return out, err
	}
	if n <= 1 || !f.tooBig(raw) {
		return append(out, chunk{raw: raw, n: n, sized: true}), nil
	}
	f.m.splits.Inc()
	if !owned {
		b = copyBatch(b)
	}
	first := split(s, b)
	k := count(first, s)
	if out, err = f.chunksOf(s, first, k, true, out); err != nil {
		return out, err
	}
	return f.chunksOf(s, b, n-k, true, out)
}

// tooBig reports whether raw (a request body before compression) would
// exceed max_request_bytes on the wire. Its length settles most requests.
// Above the limit uncompressed, the compression ratio of recent requests
// settles most of the rest: only a request whose estimate comes within a
// quarter of the limit is compressed to measure. A wrong estimate costs one
// 413 and a split.
func (f *Forwarder) tooBig(raw []byte) bool {
	if f.cfg.Sink.File != "" {
		return false
	}
	limit := f.cfg.MaxRequestBytes
	if len(raw) <= limit {
		return false
	}
	if f.cfg.Compression == "none" {
		return true
	}
	c := f.client.(sizer)
	if est, ok := c.ratio().estimate(len(raw)); ok && est <= limit/4*3 {
		return false
	}
	n, err := c.wireSize(raw)
	return err != nil || n > limit
}

// sizer is implemented by the network clients.
type sizer interface {
	wireSize(raw []byte) (int, error)
	ratio() *ratio
}

// ratio is the compressed÷uncompressed size of recent requests, smoothed
// (float64 bits; 0 = nothing sent yet).
type ratio struct{ bits atomic.Uint64 }

func (r *ratio) observe(raw, wire int) {
	if raw <= 0 || wire <= 0 {
		return
	}
	v := float64(wire) / float64(raw)
	if old := math.Float64frombits(r.bits.Load()); old > 0 {
		v = (old + v) / 2
	}
	r.bits.Store(math.Float64bits(v))
}

func (r *ratio) estimate(raw int) (int, bool) {
	v := math.Float64frombits(r.bits.Load())
	return int(math.Ceil(v * float64(raw))), v > 0
}

func (c *httpClient) wireSize(raw []byte) (int, error) {
	body, err := c.compress(raw)
	return len(body), err
}

// wireSize compresses with the compressor gRPC will send with (gzip or
// zstd, from gRPC's registry) and counts the bytes.
func (c *grpcClient) wireSize(raw []byte) (int, error) {
	comp := encoding.GetCompressor(c.compressor)
	if comp == nil {
		return len(raw), nil
	}
	var n counter
	w, err := comp.Compress(&n)
	if err != nil {
		return 0, err
	}
	if _, err := w.Write(raw); err != nil {
		return 0, err
	}
	err = w.Close()
	c.sizes.observe(len(raw), int(n))
	return int(n), err
}

type counter int

func (c *counter) Write(p []byte) (int, error) { *c += counter(len(p)); return len(p), nil }
