package dbbreaker_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/dbintel/dbintel/pkg/pipeline"
	"github.com/dbintel/dbintel/pkg/pipeline/dbbreaker"
	"github.com/dbintel/dbintel/pkg/pipeline/dbkey/dbkeytest"
	"github.com/dbintel/dbintel/pkg/pipeline/sample"
	"github.com/klauspost/compress/zstd"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// BenchmarkSamplerBreakerVsReceiveForward measures, in one run and on the
// same batches, the sampler and breaker with their default configs against
// what the gateway does anyway for every batch: the receive side
// (protobuf unmarshal of all three signals) and the forward side (protobuf
// marshal). gzip and zstd add the compression both sides do with
// compressing senders and forwarder. ratio = stages time / baseline time.
func BenchmarkSamplerBreakerVsReceiveForward(b *testing.B) {
	for _, codec := range []string{"none", "gzip", "zstd"} {
		b.Run("proto+"+codec, func(b *testing.B) {
			clk := dbkeytest.NewClock()

			s, err := sample.New(sample.DefaultConfig(), nil, nil, clk.Now)
			if err != nil {
				b.Fatal(err)
			}
			br, err := dbbreaker.New(dbbreaker.DefaultConfig(), nil, nil, clk.Now)
			if err != nil {
				b.Fatal(err)
			}
			// Wall time and this thread's CPU time: on a shared machine wall
			// time also counts other processes and GC workers running in
			// between; thread CPU time counts only the work measured.
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			var base, stages, baseCPU, stagesCPU time.Duration
			var items int
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				clk.Add(10 * time.Second)
				batch := dbkeytest.RealisticAt(i)
				items += batch.Counts().Total()

				wire := send(b, batch, codec)
				b.StartTimer()

				start, startCPU := time.Now(), threadCPU(b)
				received := receiveForward(b, wire, codec)
				mid, midCPU := time.Now(), threadCPU(b)
				out, err := s.Process(context.Background(), received)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := br.Process(context.Background(), out); err != nil {
					b.Fatal(err)
				}
				end, endCPU := time.Now(), threadCPU(b)
				base += mid.Sub(start)
				stages += end.Sub(mid)
				baseCPU += midCPU - startCPU
				stagesCPU += endCPU - midCPU
			}
			b.StopTimer()
			b.ReportMetric(float64(stages)/float64(base), "ratio_wall")
			b.ReportMetric(float64(stagesCPU)/float64(baseCPU), "ratio_cpu")
			b.ReportMetric(float64(base.Nanoseconds())/float64(items), "baseline_ns/item")
			b.ReportMetric(float64(stages.Nanoseconds())/float64(items), "stages_ns/item")
			b.ReportMetric(float64(baseCPU.Nanoseconds())/float64(items), "baseline_cpu_ns/item")
			b.ReportMetric(float64(stagesCPU.Nanoseconds())/float64(items), "stages_cpu_ns/item")
		})
	}
}

// threadCPU is the CPU time of the calling OS thread (RUSAGE_THREAD).
func threadCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(1, &ru); err != nil { // 1 = RUSAGE_THREAD
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// payloads are a batch as it travels: protobuf, maybe gzip-compressed.
type payloads struct{ metrics, logs, traces []byte }

// send encodes the batch as a sender does (not timed: not the gateway's
// work).
func send(b *testing.B, in pipeline.Batch, codec string) payloads {
	var mm pmetric.ProtoMarshaler
	var lm plog.ProtoMarshaler
	var tm ptrace.ProtoMarshaler
	return payloads{
		metrics: encode(b, must(b)(mm.MarshalMetrics(in.Metrics)), codec),
		logs:    encode(b, must(b)(lm.MarshalLogs(in.Logs)), codec),
		traces:  encode(b, must(b)(tm.MarshalTraces(in.Traces)), codec),
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

var (
	zenc, _ = zstd.NewWriter(nil)
	zdec, _ = zstd.NewReader(nil)
)

func encode(b *testing.B, p []byte, codec string) []byte {
	switch codec {
	case "none":
		return p
	case "zstd":
		return zenc.EncodeAll(p, nil)
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

func decode(b *testing.B, p []byte, codec string) []byte {
	switch codec {
	case "none":
		return p
	case "zstd":
		out, err := zdec.DecodeAll(p, nil)
		if err != nil {
			b.Fatal(err)
		}
		return out
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
func receiveForward(b *testing.B, in payloads, codec string) pipeline.Batch {
	var mm pmetric.ProtoMarshaler
	var lm plog.ProtoMarshaler
	var tm ptrace.ProtoMarshaler
	var mu pmetric.ProtoUnmarshaler
	var lu plog.ProtoUnmarshaler
	var tu ptrace.ProtoUnmarshaler
	out := pipeline.NewBatch()
	var err error
	if out.Metrics, err = mu.UnmarshalMetrics(decode(b, in.metrics, codec)); err != nil {
		b.Fatal(err)
	}
	if out.Logs, err = lu.UnmarshalLogs(decode(b, in.logs, codec)); err != nil {
		b.Fatal(err)
	}
	if out.Traces, err = tu.UnmarshalTraces(decode(b, in.traces, codec)); err != nil {
		b.Fatal(err)
	}
	encode(b, must(b)(mm.MarshalMetrics(out.Metrics)), codec)
	encode(b, must(b)(lm.MarshalLogs(out.Logs)), codec)
	encode(b, must(b)(tm.MarshalTraces(out.Traces)), codec)
	return out
}
