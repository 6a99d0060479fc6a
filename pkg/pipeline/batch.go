// Package pipeline holds the one seam every part of dbintel speaks: a Batch
// of OTLP data (metrics, logs, traces as pdata) handed to a Consumer, and a
// Chain that runs synchronous stages in order while counting what each one
// lets through.
package pipeline

import (
	"context"

	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// Batch carries the three OTLP signals together. Build it with NewBatch or
// one of the From* constructors: a zero pdata value panics on use. After a
// Batch is handed to Consume, the caller must not touch it again.
type Batch struct {
	Metrics pmetric.Metrics
	Logs    plog.Logs
	Traces  ptrace.Traces
}

// NewBatch returns an empty batch with all three signals usable.
func NewBatch() Batch {
	return Batch{Metrics: pmetric.NewMetrics(), Logs: plog.NewLogs(), Traces: ptrace.NewTraces()}
}

// FromMetrics wraps md in a batch.
func FromMetrics(md pmetric.Metrics) Batch {
	b := NewBatch()
	b.Metrics = md
	return b
}

// FromLogs wraps ld in a batch.
func FromLogs(ld plog.Logs) Batch {
	b := NewBatch()
	b.Logs = ld
	return b
}

// FromTraces wraps td in a batch.
func FromTraces(td ptrace.Traces) Batch {
	b := NewBatch()
	b.Traces = td
	return b
}

// Counts is the number of items per signal: metric data points, log records
// and spans. These are the units every self-metric counts in.
type Counts struct {
	Points, Records, Spans int
}

// Total is the sum over signals.
func (c Counts) Total() int { return c.Points + c.Records + c.Spans }

// Sub returns c - o per signal.
func (c Counts) Sub(o Counts) Counts {
	return Counts{Points: c.Points - o.Points, Records: c.Records - o.Records, Spans: c.Spans - o.Spans}
}

// Add returns c + o per signal.
func (c Counts) Add(o Counts) Counts {
	return Counts{Points: c.Points + o.Points, Records: c.Records + o.Records, Spans: c.Spans + o.Spans}
}

// Counts counts the items in b.
func (b Batch) Counts() Counts {
	return Counts{Points: b.Metrics.DataPointCount(), Records: b.Logs.LogRecordCount(), Spans: b.Traces.SpanCount()}
}

// Empty reports whether b holds no item.
func (b Batch) Empty() bool { return b.Counts().Total() == 0 }

// MoveTo appends every resource of b to dst and leaves b empty. It is how
// batches are merged without copying.
func (b Batch) MoveTo(dst Batch) {
	b.Metrics.ResourceMetrics().MoveAndAppendTo(dst.Metrics.ResourceMetrics())
	b.Logs.ResourceLogs().MoveAndAppendTo(dst.Logs.ResourceLogs())
	b.Traces.ResourceSpans().MoveAndAppendTo(dst.Traces.ResourceSpans())
}

// Consumer takes ownership of a batch. A nil error means the consumer has
// taken responsibility for every item in it.
type Consumer interface {
	Consume(ctx context.Context, b Batch) error
}

// ConsumerFunc adapts a function to Consumer.
type ConsumerFunc func(ctx context.Context, b Batch) error

// Consume calls f.
func (f ConsumerFunc) Consume(ctx context.Context, b Batch) error { return f(ctx, b) }

// Stage is one synchronous processing step. It returns the batch to pass on
// (possibly the same, modified in place); items it removes are counted as
// dropped by the chain. A stage never calls the next stage itself.
type Stage interface {
	Process(ctx context.Context, b Batch) (Batch, error)
}

// StageFunc adapts a function to Stage.
type StageFunc func(ctx context.Context, b Batch) (Batch, error)

// Process calls f.
func (f StageFunc) Process(ctx context.Context, b Batch) (Batch, error) { return f(ctx, b) }

// PointCount returns the number of data points of m.
func PointCount(m pmetric.Metric) int {
	switch m.Type() {
	case pmetric.MetricTypeGauge:
		return m.Gauge().DataPoints().Len()
	case pmetric.MetricTypeSum:
		return m.Sum().DataPoints().Len()
	case pmetric.MetricTypeHistogram:
		return m.Histogram().DataPoints().Len()
	case pmetric.MetricTypeExponentialHistogram:
		return m.ExponentialHistogram().DataPoints().Len()
	case pmetric.MetricTypeSummary:
		return m.Summary().DataPoints().Len()
	}
	return 0
}
