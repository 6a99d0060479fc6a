package dbbreaker_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"testing"
	"time"

	"github.com/dbintel/dbintel/pkg/pipeline"
	"github.com/dbintel/dbintel/pkg/pipeline/dbbreaker"
	"github.com/dbintel/dbintel/pkg/pipeline/dbkey/dbkeytest"
	"github.com/dbintel/dbintel/pkg/pipeline/sample"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// BenchmarkSamplerBreakerVsReceiveForward measures, in one run and on the
// same batches, the sampler and breaker with their default configs against
// what the gateway does anyway for every batch: the receive side
// (protobuf unmarshal of all three signals) and the forward side (protobuf
// marshal). "gzip" adds the compression both sides do with gzip senders
// and a gzip forwarder. ratio = stages time / baseline time.
func BenchmarkSamplerBreakerVsReceiveForward(b *testing.B) {
	for _, withGzip := range []bool{false, true} {
		name := "proto"
		if withGzip {
			name = "proto+gzip"
		}
		b.Run(name, func(b *testing.B) {
			clk := dbkeytest.NewClock()

			s, err := sample.New(sample.DefaultConfig(), nil, nil, clk.Now)
			if err != nil {
				b.Fatal(err)
			}
			br, err := dbbreaker.New(dbbreaker.DefaultConfig(), nil, nil, clk.Now)
			if err != nil {
				b.Fatal(err)
			}
			var base, stages time.Duration
			var items int
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				clk.Add(10 * time.Second)
				batch := dbkeytest.RealisticAt(i)
				items += batch.Counts().Total()

				wire := send(b, batch, withGzip)
				b.StartTimer()

				start := time.Now()
				received := receiveForward(b, wire, withGzip)
				mid := time.Now()
				out, err := s.Process(context.Background(), received)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := br.Process(context.Background(), out); err != nil {
					b.Fatal(err)
				}
				end := time.Now()
				base += mid.Sub(start)
				stages += end.Sub(mid)
			}
			b.StopTimer()
			b.ReportMetric(float64(stages)/float64(base), "ratio")
			b.ReportMetric(float64(base.Nanoseconds())/float64(items), "baseline_ns/item")
			b.ReportMetric(float64(stages.Nanoseconds())/float64(items), "stages_ns/item")
		})
	}
}

// payloads are a batch as it travels: protobuf, maybe gzip-compressed.
type payloads struct{ metrics, logs, traces []byte }

// send encodes the batch as a sender does (not timed: not the gateway's
// work).
func send(b *testing.B, in pipeline.Batch, withGzip bool) payloads {
	var mm pmetric.ProtoMarshaler
	var lm plog.ProtoMarshaler
	var tm ptrace.ProtoMarshaler
	return payloads{
		metrics: encode(b, must(b)(mm.MarshalMetrics(in.Metrics)), withGzip),
		logs:    encode(b, must(b)(lm.MarshalLogs(in.Logs)), withGzip),
		traces:  encode(b, must(b)(tm.MarshalTraces(in.Traces)), withGzip),
	}
}

func must(b *testing.B) func([]byte, error) []byte {
	return func(p []byte, err error) []byte {
		if err != nil {
			b.Fatal(err)
		}
		return p
	}
}

func encode(b *testing.B, p []byte, withGzip bool) []byte {
	if !withGzip {
		return p
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(p); err != nil {
		b.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

func decode(b *testing.B, p []byte, withGzip bool) []byte {
	if !withGzip {
		return p
	}
	zr, err := gzip.NewReader(bytes.NewReader(p))
	if err != nil {
		b.Fatal(err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		b.Fatal(err)
	}
	return out
}

// receiveForward is the gateway's own work per batch around the stages:
// decode and unmarshal on receive, marshal and encode on forward. It returns
// the received batch for the stages to work on.
func receiveForward(b *testing.B, in payloads, withGzip bool) pipeline.Batch {
	var mm pmetric.ProtoMarshaler
	var lm plog.ProtoMarshaler
	var tm ptrace.ProtoMarshaler
	var mu pmetric.ProtoUnmarshaler
	var lu plog.ProtoUnmarshaler
	var tu ptrace.ProtoUnmarshaler
	out := pipeline.NewBatch()
	var err error
	if out.Metrics, err = mu.UnmarshalMetrics(decode(b, in.metrics, withGzip)); err != nil {
		b.Fatal(err)
	}
	if out.Logs, err = lu.UnmarshalLogs(decode(b, in.logs, withGzip)); err != nil {
		b.Fatal(err)
	}
	if out.Traces, err = tu.UnmarshalTraces(decode(b, in.traces, withGzip)); err != nil {
		b.Fatal(err)
	}
	encode(b, must(b)(mm.MarshalMetrics(out.Metrics)), withGzip)
	encode(b, must(b)(lm.MarshalLogs(out.Logs)), withGzip)
	encode(b, must(b)(tm.MarshalTraces(out.Traces)), withGzip)
	return out
}
