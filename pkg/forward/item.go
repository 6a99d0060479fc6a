package forward

import (
	"fmt"
	"time"

	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/dbintel/dbintel/pkg/pipeline"
)

// signal indexes the three OTLP signals; each is sent as its own request.
type signal int

const (
	sigMetrics signal = iota
	sigLogs
	sigTraces
)

var signals = [...]signal{sigMetrics, sigLogs, sigTraces}

// signalNames are the `signal` label values, the same as pkg/pipeline's.
var signalNames = [...]string{"metrics", "logs", "traces"}

func (s signal) String() string { return signalNames[s] }

// chunk is one request of one signal: the protobuf body of an OTLP
// Export*ServiceRequest (the same bytes as MetricsData/LogsData/TracesData).
// Queued data stays in this form: decoded pdata is 2-3 times larger, and a
// worker sends the bytes as they are.
type chunk struct {
	raw []byte
	n   int // items in it
	// sized: already checked against max_request_bytes (at enqueue); a
	// chunk read back from disk is checked before sending.
	sized bool
}

// item is one queued batch and what has become of its items so far.
type item struct {
	chunks   [3][]chunk // per signal; nil while a durable item is only on disk
	seg      *segment   // durable queue: where the record is
	off      int64
	onDisk   bool   // durable queue: chunks not in memory, read them back before sending
	corrupt  bool   // durable queue: the record could not be read
	counts   [3]int // items per signal at enqueue time
	resolved [3]int // items per signal already sent or dropped
	bytes    int64  // encoded size, what the queue is bounded by
	enqueued time.Time
}

func (it *item) total() int { return it.counts[0] + it.counts[1] + it.counts[2] }

// unresolved is what is still neither sent nor dropped, per signal.
func (it *item) unresolved() [3]int {
	var u [3]int
	for s := range u {
		u[s] = it.counts[s] - it.resolved[s]
	}
	return u
}

// encodedSize is the sum of the item's chunks.
func (it *item) encodedSize() int64 {
	var n int64
	for _, cs := range it.chunks {
		for _, c := range cs {
			n += int64(len(c.raw))
		}
	}
	return n
}

// part returns a batch holding only signal s of b (sharing its data).
func part(b pipeline.Batch, s signal) pipeline.Batch {
	switch s {
	case sigMetrics:
		return pipeline.FromMetrics(b.Metrics)
	case sigLogs:
		return pipeline.FromLogs(b.Logs)
	default:
		return pipeline.FromTraces(b.Traces)
	}
}

// copyBatch is a deep copy, for a split that must leave b as it was.
func copyBatch(b pipeline.Batch) pipeline.Batch {
	c := pipeline.NewBatch()
	b.Metrics.CopyTo(c.Metrics)
	b.Logs.CopyTo(c.Logs)
	b.Traces.CopyTo(c.Traces)
	return c
}

// count returns the number of items of signal s in b.
func count(b pipeline.Batch, s signal) int {
	switch s {
	case sigMetrics:
		return b.Metrics.DataPointCount()
	case sigLogs:
		return b.Logs.LogRecordCount()
	default:
		return b.Traces.SpanCount()
	}
}

var (
	protoMetrics pmetric.ProtoMarshaler
	protoLogs    plog.ProtoMarshaler
	protoTraces  ptrace.ProtoMarshaler
)

// marshalSignal encodes signal s of b as an export request body.
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

// unmarshalSignal decodes a chunk; only the rare paths need it (a split,
// a permanent failure for the observer, the JSON file sink).
func unmarshalSignal(s signal, raw []byte) (pipeline.Batch, error) {
	var err error
	b := pipeline.NewBatch()
	switch s {
	case sigMetrics:
		b.Metrics, err = (&pmetric.ProtoUnmarshaler{}).UnmarshalMetrics(raw)
	case sigLogs:
		b.Logs, err = (&plog.ProtoUnmarshaler{}).UnmarshalLogs(raw)
	default:
		b.Traces, err = (&ptrace.ProtoUnmarshaler{}).UnmarshalTraces(raw)
	}
	if err != nil {
		return pipeline.NewBatch(), fmt.Errorf("unmarshal %s: %w", s, err)
	}
	return b, nil
}
