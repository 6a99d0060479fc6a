package otlpserver

import (
	"bytes"
	"runtime"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"google.golang.org/protobuf/encoding/protowire"
)

// field is one length-delimited protobuf field.
func field(num protowire.Number, payload []byte) []byte {
	b := protowire.AppendTag(nil, num, protowire.BytesType)
	return protowire.AppendBytes(b, payload)
}

// emptyMessages is a request whose innermost message (the path of field
// numbers from the request down) holds n empty copies of field leaf.
func emptyMessages(n int, leaf protowire.Number, path ...protowire.Number) []byte {
	b := bytes.Repeat(field(leaf, nil), n)
	for i := len(path) - 1; i >= 0; i-- {
		b = field(path[i], b)
	}
	return b
}

// repeatedScalar is n copies of a scalar field (tag, then a zero value of
// its wire type) in the innermost message of path.
func repeatedScalar(tag []byte, path ...protowire.Number) []byte {
	var one []byte
	if protowire.Type(tag[0]&7) == protowire.Fixed64Type {
		one = protowire.AppendFixed64(tag, 0)
	} else {
		one = protowire.AppendVarint(tag, 0)
	}
	b := bytes.Repeat(one, n)
	for i := len(path) - 1; i >= 0; i-- {
		b = field(path[i], b)
	}
	return b
}

// emptyLogRecords is n empty log records in one ScopeLogs: request
// resource_logs=1 → ResourceLogs scope_logs=2 → ScopeLogs log_records=2.
func emptyLogRecords(n int) []byte { return emptyMessages(n, 2, 1, 2) }

func dbLogs(n int) plog.Logs {
	ld := testLogs(n)
	lrs := ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
	for i := range lrs.Len() {
		a := lrs.At(i).Attributes()
		a.PutStr("db.system.name", "postgresql")
		a.PutStr("db.namespace", "orders")
		a.PutStr("server.address", "db-1.example.internal")
		a.PutInt("server.port", 5432)
		a.PutDouble("db.server.query.total_time", 12.5)
		a.PutInt("db.server.query.calls", int64(i))
		a.PutStr("db.query.summary", "SELECT orders")
	}
	return ld
}

func dbMetrics() pmetric.Metrics {
	md := testMetrics(2, 20, 50)
	for _, rm := range md.ResourceMetrics().All() {
		for _, m := range rm.ScopeMetrics().At(0).Metrics().All() {
			for _, dp := range m.Sum().DataPoints().All() {
				dp.Attributes().PutStr("db.system.name", "postgresql")
				dp.Attributes().PutStr("db.query.id", "1234567890")
				dp.Attributes().PutStr("db.user", "app")
				dp.Attributes().PutInt("pid", 4242)
				dp.Attributes().PutBool("top", true)
			}
		}
	}
	return md
}

// n is the number of repeats in the synthetic cases.
const n = 50_000

type wireCase struct {
	name string
	root wireType
	body []byte
}

func wireCases(t testing.TB) []wireCase {
	mustProto := func(b []byte, err error) []byte {
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	big := plog.NewLogs()
	big.ResourceLogs().AppendEmpty().Resource().Attributes().PutStr("blob", strings.Repeat("x", 100<<10))
	eh := pmetric.NewMetrics()
	pts := eh.ResourceMetrics().AppendEmpty().ScopeMetrics().AppendEmpty().Metrics().AppendEmpty().SetEmptyExponentialHistogram().DataPoints()
	for range 100 {
		pts.AppendEmpty().Positive().BucketCounts().FromRaw(make([]uint64, 160))
	}
	return []wireCase{
		{"empty log records", wireLogsRequest, emptyLogRecords(n)},
		{"empty log attributes", wireLogsRequest, emptyMessages(n, 6, 1, 2, 2)},
		{"empty resource attributes", wireLogsRequest, emptyMessages(n, 1, 1, 1)},
		{"empty resource logs", wireLogsRequest, emptyMessages(n, 1)},
		{"empty scope logs", wireLogsRequest, emptyMessages(n, 2, 1)},
		{"empty kvlist values", wireLogsRequest, emptyMessages(n, 1, 1, 2, 2, 5, 6)},
		{"empty array values", wireLogsRequest, emptyMessages(n, 1, 1, 2, 2, 5, 5)},
		{"empty metrics", wireMetricsRequest, emptyMessages(n, 2, 1, 2)},
		{"empty sum points", wireMetricsRequest, emptyMessages(n, 1, 1, 2, 2, 7)},
		{"empty histogram points", wireMetricsRequest, emptyMessages(n, 1, 1, 2, 2, 9)},
		{"empty exp histogram points", wireMetricsRequest, emptyMessages(n, 1, 1, 2, 2, 10)},
		{"empty summary points", wireMetricsRequest, emptyMessages(n, 1, 1, 2, 2, 11)},
		{"empty exemplars", wireMetricsRequest, emptyMessages(n, 5, 1, 2, 2, 5, 1)},
		{"empty spans", wireTracesRequest, emptyMessages(n, 2, 1, 2)},
		{"empty span events", wireTracesRequest, emptyMessages(n, 11, 1, 2, 2)},
		{"empty span links", wireTracesRequest, emptyMessages(n, 13, 1, 2, 2)},
		{"repeated resource", wireLogsRequest, emptyMessages(n, 1, 1)},
		{"repeated scope", wireLogsRequest, emptyMessages(n, 1, 1, 2)},
		{"repeated log body", wireLogsRequest, emptyMessages(n, 5, 1, 2, 2)},
		{"repeated kvlist", wireLogsRequest, emptyMessages(n, 6, 1, 2, 2, 5)},
		{"repeated array", wireLogsRequest, emptyMessages(n, 5, 1, 2, 2, 5)},
		{"empty entity refs", wireLogsRequest, emptyMessages(n, 3, 1, 1)},
		{"repeated gauge", wireMetricsRequest, emptyMessages(n, 5, 1, 2, 2)},
		{"repeated histogram", wireMetricsRequest, emptyMessages(n, 9, 1, 2, 2)},
		{"repeated exp histogram", wireMetricsRequest, emptyMessages(n, 10, 1, 2, 2)},
		{"repeated summary", wireMetricsRequest, emptyMessages(n, 11, 1, 2, 2)},
		{"empty metadata", wireMetricsRequest, emptyMessages(n, 12, 1, 2, 2)},
		{"empty quantiles", wireMetricsRequest, emptyMessages(n, 6, 1, 2, 2, 11, 1)},
		{"repeated buckets", wireMetricsRequest, emptyMessages(n, 8, 1, 2, 2, 10, 1)},
		{"empty filtered attributes", wireMetricsRequest, emptyMessages(n, 7, 1, 2, 2, 5, 1, 5)},
		{"repeated status", wireTracesRequest, emptyMessages(n, 15, 1, 2, 2)},
		{"repeated body int", wireLogsRequest, repeatedScalar(protowire.AppendTag(nil, 3, protowire.VarintType), 1, 2, 2, 5)},
		{"repeated attribute int", wireLogsRequest, repeatedScalar(protowire.AppendTag(nil, 3, protowire.VarintType), 1, 2, 2, 6, 2)},
		{"repeated point as_int", wireMetricsRequest, repeatedScalar(protowire.AppendTag(nil, 6, protowire.Fixed64Type), 1, 2, 2, 5, 1)},
		{"repeated exemplar as_int", wireMetricsRequest, repeatedScalar(protowire.AppendTag(nil, 6, protowire.Fixed64Type), 1, 2, 2, 5, 1, 5)},
		{"empty entity id keys", wireLogsRequest, emptyMessages(n, 3, 1, 1, 3)},
		{"DB-shaped log records", wireLogsRequest, mustProto(plogotlp.NewExportRequestFromLogs(dbLogs(2000)).MarshalProto())},
		{"DB-shaped metric points", wireMetricsRequest, mustProto(pmetricotlp.NewExportRequestFromMetrics(dbMetrics()).MarshalProto())},
		{"exp histogram buckets", wireMetricsRequest, mustProto(pmetricotlp.NewExportRequestFromMetrics(eh).MarshalProto())},
		{"spans", wireTracesRequest, mustProto(ptraceotlp.NewExportRequestFromTraces(testTraces(2000)).MarshalProto())},
		{"100 KiB string", wireLogsRequest, mustProto(plogotlp.NewExportRequestFromLogs(big).MarshalProto())},
	}
}

// decodeAlloc is the bytes pdata allocates to decode b (the least of a few
// runs, so a background allocation does not count).
func decodeAlloc(t testing.TB, root wireType, b []byte) uint64 {
	codec := map[wireType]*signalCodec{wireLogsRequest: &logsCodec, wireMetricsRequest: &metricsCodec, wireTracesRequest: &tracesCodec}[root]
	var least uint64
	for i := range 3 {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		if _, err := codec.decode(b, encProto); err != nil {
			t.Fatal(err)
		}
		runtime.ReadMemStats(&after)
		if d := after.TotalAlloc - before.TotalAlloc; i == 0 || d < least {
			least = d
		}
	}
	return least
}

// TestWireCostBound measures what pdata allocates for each shape of request
// and checks that the estimate covers it: the figures in wirecost.go.
func TestWireCostBound(t *testing.T) {
	for _, c := range wireCases(t) {
		est, err := decodedCost(c.root, c.body)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		got := decodeAlloc(t, c.root, c.body)
		t.Logf("%-28s wire %8d  decoded %9d = %5.1f× wire, %4d B per repeat; estimate %9d = %.2f× decoded",
			c.name, len(c.body), got, float64(got)/float64(len(c.body)), got/n, est, float64(est)/float64(got))
		if uint64(est) < got {
			t.Errorf("%s: estimate %d under the %d bytes decoded", c.name, est, got)
		}
	}
}

func TestWireCostMalformed(t *testing.T) {
	deep := []byte{}
	for range maxWireDepth { // AnyValue array_value = 5 → ArrayValue values = 1 → AnyValue
		deep = field(5, field(1, deep))
	}
	for name, b := range map[string][]byte{
		"truncated length": {0x0a, 0x05, 0x12},
		"bad tag":          {0x00},
		"too deep":         field(1, field(2, field(2, field(5, deep)))),
	} {
		if _, err := decodedCost(wireLogsRequest, b); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := decodedCost(wireLogsRequest, nil); err != nil {
		t.Errorf("empty request: %v", err)
	}
}

func TestWireCostAllocationFree(t *testing.T) {
	b := plogotlp.NewExportRequestFromLogs(dbLogs(100))
	body, _ := b.MarshalProto()
	if a := testing.AllocsPerRun(10, func() { _, _ = decodedCost(wireLogsRequest, body) }); a != 0 {
		t.Errorf("%v allocations per estimate", a)
	}
}

// FuzzWireCost checks the walk against pdata on any bytes: it never refuses
// a request pdata decodes, and its estimate covers what pdata allocates.
func FuzzWireCost(f *testing.F) {
	for _, c := range wireCases(f) {
		if len(c.body) < 64<<10 {
			f.Add(uint8(c.root), c.body)
		}
	}
	f.Add(uint8(wireLogsRequest), emptyLogRecords(100))
	f.Add(uint8(wireMetricsRequest), emptyMessages(10, 5, 1, 2, 2, 5, 1))
	f.Fuzz(func(t *testing.T, root uint8, b []byte) {
		r := wireType(root % 3) // the three request types
		codec := [...]*signalCodec{&logsCodec, &metricsCodec, &tracesCodec}[r]
		est, err := decodedCost(r, b)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, derr := codec.decode(b, encProto)
		runtime.ReadMemStats(&after)
		if err != nil {
			if derr == nil {
				t.Fatalf("walk refused what pdata decodes: %v", err)
			}
			return
		}
		// Without a GC in between, TotalAlloc counts only this goroutine's
		// allocations plus the fuzzer's few: allow 4 KiB of noise.
		if got := after.TotalAlloc - before.TotalAlloc; derr == nil && uint64(est)+4<<10 < got {
			t.Fatalf("estimate %d under the %d bytes decoded", est, got)
		}
	})
}
