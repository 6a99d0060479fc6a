package otlpserver

import (
	"runtime"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
)

// TestJSONCostBound measures what pdata allocates to decode OTLP/JSON
// bodies, from the emptiest objects to DB-shaped records, and checks that
// jsonDecodedCost covers it.
func TestJSONCostBound(t *testing.T) {
	repeat := func(prefix, one, suffix string) []byte {
		return []byte(prefix + strings.TrimSuffix(strings.Repeat(one+",", n), ",") + suffix)
	}
	mustJSON := func(b []byte, err error) []byte {
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	cases := []struct {
		name  string
		codec *signalCodec
		body  []byte
	}{
		{"empty log records", &logsCodec, repeat(`{"resourceLogs":[{"scopeLogs":[{"logRecords":[`, "{}", `]}]}]}`)},
		{"empty attributes", &logsCodec, repeat(`{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"attributes":[`, "{}", `]}]}]}]}`)},
		{"empty exemplars", &metricsCodec, repeat(`{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"gauge":{"dataPoints":[{"exemplars":[`, "{}", `]}]}}]}]}]}`)},
		{"empty spans", &tracesCodec, repeat(`{"resourceSpans":[{"scopeSpans":[{"spans":[`, "{}", `]}]}]}`)},
		{"empty entity keys", &logsCodec, repeat(`{"resourceLogs":[{"resource":{"entityRefs":[{"idKeys":[`, `""`, `]}]}}]}`)},
		{"zero bucket counts", &metricsCodec, repeat(`{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"exponentialHistogram":{"dataPoints":[{"positive":{"bucketCounts":[`, `"0"`, `]}}]}}]}]}]}`)},
		{"int array values", &logsCodec, repeat(`{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"arrayValue":{"values":[`, `{"intValue":"0"}`, `]}}}]}]}]}`)},
		{"100 KiB string", &logsCodec, []byte(`{"resourceLogs":[{"resource":{"attributes":[{"key":"blob","value":{"stringValue":"` + strings.Repeat("x", 100<<10) + `"}}]}}]}`)},
		{"DB-shaped log records", &logsCodec, mustJSON(plogotlp.NewExportRequestFromLogs(dbLogs(2000)).MarshalJSON())},
		{"DB-shaped metric points", &metricsCodec, mustJSON(pmetricotlp.NewExportRequestFromMetrics(dbMetrics()).MarshalJSON())},
		{"spans", &tracesCodec, mustJSON(ptraceotlp.NewExportRequestFromTraces(testTraces(2000)).MarshalJSON())},
	}
	for _, c := range cases {
		var least uint64
		for i := range 3 {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			if _, err := c.codec.decode(c.body, encJSON); err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			runtime.ReadMemStats(&after)
			if d := after.TotalAlloc - before.TotalAlloc; i == 0 || d < least {
				least = d
			}
		}
		est := jsonDecodedCost(c.body)
		t.Logf("%-24s text %8d  decoded %9d = %5.1f× text; estimate %9d = %.2f× decoded",
			c.name, len(c.body), least, float64(least)/float64(len(c.body)), est, float64(est)/float64(least))
		if uint64(est) < least {
			t.Errorf("%s: estimate %d under the %d bytes decoded", c.name, est, least)
		}
	}
}
