package forward

import (
	"fmt"
	"math"
	"sync/atomic"

	"google.golang.org/grpc/encoding"

	"github.com/dbintel/dbintel/pkg/pipeline"
)

// tooBig reports whether the request for b (raw bytes of protobuf, 0 if not
// yet known) would exceed max_request_bytes on the wire. Counting the protobuf size is cheap and settles most requests.
// Above the limit uncompressed, the compression ratio of recent requests
// settles most of the rest: only a request whose estimate comes within a
// quarter of the limit is compressed to measure (before, every one was,
// then compressed again to send). A wrong estimate costs one 413 and a split.
func (f *Forwarder) tooBig(s signal, b pipeline.Batch, raw int) bool {
	if f.cfg.Sink.File != "" {
		return false
	}
	limit := f.cfg.MaxRequestBytes
	if raw <= 0 {
		raw = signalSize(s, b)
	}
	if raw <= limit {
		return false
	}
	if f.cfg.Compression == "none" {
		return true
	}
	c := f.client.(sizer)
	if est, ok := c.ratio().estimate(raw); ok && est <= limit/4*3 {
		return false
	}
	n, err := c.wireSize(s, b)
	return err != nil || n > limit
}

// sizer is implemented by the network clients.
type sizer interface {
	wireSize(s signal, b pipeline.Batch) (int, error)
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

func signalSize(s signal, b pipeline.Batch) int {
	switch s {
	case sigMetrics:
		return metricsSizer.MetricsSize(b.Metrics)
	case sigLogs:
		return logsSizer.LogsSize(b.Logs)
	default:
		return tracesSizer.TracesSize(b.Traces)
	}
}

func (c *httpClient) wireSize(s signal, b pipeline.Batch) (int, error) {
	body, err := c.encode(s, b)
	return len(body), err
}

// wireSize compresses with the compressor gRPC will send with (gzip or
// zstd, from gRPC's registry) and counts the bytes.
func (c *grpcClient) wireSize(s signal, b pipeline.Batch) (int, error) {
	raw, err := marshalSignal(s, b)
	if err != nil {
		return 0, err
	}
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

func marshalSignal(s signal, b pipeline.Batch) ([]byte, error) {
	var raw []byte
	var err error
	switch s {
	case sigMetrics:
		raw, err = protoMetrics.MarshalMetrics(b.Metrics)
	case sigLogs:
		raw, err = protoLogs.MarshalLogs(b.Logs)
	default:
		raw, err = protoTraces.MarshalTraces(b.Traces)
	}
	if err != nil {
		return nil, fmt.Errorf("marshal %s: %w", s, err)
	}
	return raw, nil
}
