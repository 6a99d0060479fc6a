package otlpserver

import (
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
)

// BenchmarkDecodedCost reports the walk's time as a share of decoding the
// same body into pdata, measured in the same run (walk/decode): the walk is
// paid before every decode, so this is its overhead on the receive path.
func BenchmarkDecodedCost(b *testing.B) {
	must := func(p []byte, err error) []byte {
		if err != nil {
			b.Fatal(err)
		}
		return p
	}
	cases := []struct {
		name  string
		root  wireType
		codec *signalCodec
		body  []byte
	}{
		{"metrics", wireMetricsRequest, &metricsCodec, must(pmetricotlp.NewExportRequestFromMetrics(dbMetrics()).MarshalProto())},
		{"logs", wireLogsRequest, &logsCodec, must(plogotlp.NewExportRequestFromLogs(dbLogs(1000)).MarshalProto())},
		{"traces", wireTracesRequest, &tracesCodec, must(ptraceotlp.NewExportRequestFromTraces(testTraces(1000)).MarshalProto())},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			var walk, decode time.Duration
			for b.Loop() {
				t0 := time.Now()
				_, _ = c.codec.decode(c.body, encProto)
				t1 := time.Now()
				_, _ = decodedCost(c.root, c.body)
				walk += time.Since(t1)
				decode += t1.Sub(t0)
			}
			b.ReportMetric(float64(walk)/float64(decode), "walk/decode")
			b.ReportMetric(float64(len(c.body))*float64(b.N)/walk.Seconds()/1e6, "walk-MB/s")
		})
	}
}
