package forward

import (
	"compress/gzip"
	"fmt"
	"sync"

	"github.com/dbintel/dbintel/pkg/pipeline"
)

// tooBig reports whether the request for b would exceed max_request_bytes on
// the wire. Counting the protobuf size is cheap and settles most requests;
// only those above the limit uncompressed are compressed to measure.
func (f *Forwarder) tooBig(s signal, b pipeline.Batch) bool {
	if f.cfg.Sink.File != "" {
		return false
	}
	limit := f.cfg.MaxRequestBytes
	if signalSize(s, b) <= limit {
		return false
	}
	if f.cfg.Compression == "none" {
		return true
	}
	n, err := f.client.(sizer).wireSize(s, b)
	return err != nil || n > limit
}

// sizer is implemented by the network clients.
type sizer interface {
	wireSize(s signal, b pipeline.Batch) (int, error)
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

// wireSize compresses like grpc's gzip codec and counts the bytes.
func (c *grpcClient) wireSize(s signal, b pipeline.Batch) (int, error) {
	raw, err := marshalSignal(s, b)
	if err != nil {
		return 0, err
	}
	var n counter
	zw, _ := gzipCounters.Get().(*gzip.Writer)
	if zw == nil {
		zw = gzip.NewWriter(&n)
	} else {
		zw.Reset(&n)
	}
	defer gzipCounters.Put(zw)
	if _, err := zw.Write(raw); err != nil {
		return 0, err
	}
	return int(n), zw.Close()
}

var gzipCounters sync.Pool

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
