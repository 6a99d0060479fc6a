package otlpserver

import (
	"bytes"
	"net/http"
	"runtime"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"

	"github.com/dbintel/dbintel/internal/nesting"
)

// deepKVListJSON is an OTLP/JSON logs request whose record body is a kvlist
// nested levels deep.
func deepKVListJSON(levels int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"eventName":"db.server.query_plan","body":`)
	b.WriteString(strings.Repeat(`{"kvlistValue":{"values":[{"key":"k","value":`, levels))
	b.WriteString(`{"stringValue":"x"}`)
	b.WriteString(strings.Repeat(`}]}}`, levels))
	b.WriteString(`}]}]}]}`)
	return b.Bytes()
}

// deepKVListProto is the same request in protobuf.
func deepKVListProto(t *testing.T, levels int) []byte { return deepKVListProtoBytes(t, levels) }

func deepKVListProtoBytes(t testing.TB, levels int) []byte {
	t.Helper()
	ld := plog.NewLogs()
	v := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty().Body()
	for range levels {
		v = v.SetEmptyMap().PutEmpty("k")
	}
	v.SetStr("x")
	b, err := plogotlp.NewExportRequestFromLogs(ld).MarshalProto()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestJSONDepthLimitMatchesProtobuf: the JSON limit admits the deepest
// kvlist protobuf admits (33 levels) and refuses what protobuf refuses,
// before decoding.
func TestJSONDepthLimitMatchesProtobuf(t *testing.T) {
	rec := &recorder{}
	s := startServer(t, testConfig(), rec)
	tests := []struct {
		name, ct string
		body     []byte
		want     int
	}{
		{"protobuf, 33 levels", contentTypeProto, deepKVListProto(t, 33), 200},
		{"protobuf, 34 levels", contentTypeProto, deepKVListProto(t, 34), 400},
		{"JSON, 33 levels", contentTypeJSON, deepKVListJSON(33), 200},
		{"JSON, 50 levels (past the bracket limit)", contentTypeJSON, deepKVListJSON(50), 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := post(t, nil, httpURL(s, "logs"), tt.body, map[string]string{"Content-Type": tt.ct})
			if resp.StatusCode != tt.want {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.want, body)
			}
		})
	}
	if !nesting.DepthOK(deepKVListJSON(33), nesting.MaxDepth) || nesting.DepthOK(deepKVListJSON(50), nesting.MaxDepth) {
		t.Fatal("MaxDepth no longer sits between 33 and 50 kvlist levels")
	}
}

// TestMillionDeepJSONIsCheap: a 1,000,000-deep kvlist, gzip-compressed (the
// body that took a gateway from 28 MB to 650 MB), is refused with 400 and
// costs little more than its decompressed body.
func TestMillionDeepJSONIsCheap(t *testing.T) {
	// A gzip body may be several gzip members back to back: compressing
	// 1,000 levels once and repeating that member is quick even under -race.
	const levels, per = 1_000_000, 1_000
	var body []byte
	body = append(body, gzipBytes(t, []byte(`{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"eventName":"db.server.query_plan","body":`))...)
	open := gzipBytes(t, []byte(strings.Repeat(`{"kvlistValue":{"values":[{"key":"k","value":`, per)))
	closing := gzipBytes(t, []byte(strings.Repeat(`}]}}`, per)))
	body = append(body, bytes.Repeat(open, levels/per)...)
	body = append(body, gzipBytes(t, []byte(`{"stringValue":"x"}`))...)
	body = append(body, bytes.Repeat(closing, levels/per)...)
	body = append(body, gzipBytes(t, []byte(`}]}]}]}`))...)
	rec := &recorder{}
	s := startServer(t, testConfig(), rec)
	hdr := map[string]string{"Content-Type": contentTypeJSON, "Content-Encoding": "gzip"}

	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	resp, msg := post(t, nil, httpURL(s, "logs"), body, hdr)
	runtime.ReadMemStats(&after)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(msg), "max_json_depth") {
		t.Fatalf("status %d: %s", resp.StatusCode, msg)
	}
	// The nesting is checked as the body is decompressed, so only its first
	// chunks are read; decoding it took 650 MB.
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("%d bytes gzip (%d levels): %d KiB allocated", len(body), levels, alloc>>10)
	if alloc > 4<<20 {
		t.Fatalf("refusing allocated %d MiB", alloc>>20)
	}
	if rec.count() != 0 {
		t.Fatal("the body reached the pipeline")
	}
}
