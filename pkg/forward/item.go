package forward

import (
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

// item is one queued batch and what has become of its items so far.
type item struct {
	batch    pipeline.Batch // zero while a durable item is only on disk
	seg      *segment       // durable queue: where the record is
	off      int64
	onDisk   bool   // durable queue: batch not in memory, read it back before sending
	corrupt  bool   // durable queue: the record could not be decoded
	counts   [3]int // items per signal at enqueue time
	resolved [3]int // items per signal already sent or dropped
	bytes    int64  // encoded (protobuf) size, what the queue is bounded by
	enqueued time.Time
}

// newItem wraps b. sized computes the encoded size now (in-memory queue);
// a durable queue learns it when it writes the record.
func newItem(b pipeline.Batch, now time.Time, sized bool) *item {
	c := b.Counts()
	it := &item{batch: b, counts: [3]int{c.Points, c.Records, c.Spans}, enqueued: now}
	if sized {
		it.bytes = protoSize(b)
	}
	return it
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

var (
	metricsSizer pmetric.ProtoMarshaler
	logsSizer    plog.ProtoMarshaler
	tracesSizer  ptrace.ProtoMarshaler
)

func protoSize(b pipeline.Batch) int64 {
	return int64(metricsSizer.MetricsSize(b.Metrics) + logsSizer.LogsSize(b.Logs) + tracesSizer.TracesSize(b.Traces))
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
