package otlpserver

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"

	"github.com/dbintel/dbintel/pkg/pipeline"
)

func TestHTTPRoundTrip(t *testing.T) {
	rec := &recorder{}
	s := startServer(t, testConfig(), rec)
	md, ld, td := testMetrics(2, 3, 4), testLogs(5), testTraces(6)
	type message interface {
		MarshalProto() ([]byte, error)
		MarshalJSON() ([]byte, error)
	}
	signals := []struct {
		name    string
		req     message
		resp    message
		arrived func(pipeline.Batch) []byte
		want    []byte
	}{
		{"metrics", pmetricotlp.NewExportRequestFromMetrics(md), pmetricotlp.NewExportResponse(), func(b pipeline.Batch) []byte { return metricsProto(t, b.Metrics) }, metricsProto(t, md)},
		{"logs", plogotlp.NewExportRequestFromLogs(ld), plogotlp.NewExportResponse(), func(b pipeline.Batch) []byte { return logsProto(t, b.Logs) }, logsProto(t, ld)},
		{"traces", ptraceotlp.NewExportRequestFromTraces(td), ptraceotlp.NewExportResponse(), func(b pipeline.Batch) []byte { return tracesProto(t, b.Traces) }, tracesProto(t, td)},
	}
	for _, sig := range signals {
		for _, ct := range []string{contentTypeProto, contentTypeJSON} {
			for _, ce := range []string{"", "gzip", "zstd"} {
				t.Run(sig.name+"/"+ct+"/"+ce, func(t *testing.T) {
					var body []byte
					var err error
					if ct == contentTypeJSON {
						body, err = sig.req.MarshalJSON()
					} else {
						body, err = sig.req.MarshalProto()
					}
					if err != nil {
						t.Fatal(err)
					}
					switch ce {
					case "gzip":
						body = gzipBytes(t, body)
					case "zstd":
						body = zstdBytes(t, body)
					}
					before := rec.count()
					resp, respBody := post(t, nil, httpURL(s, sig.name), body, map[string]string{"Content-Type": ct, "Content-Encoding": ce})
					if resp.StatusCode != http.StatusOK {
						t.Fatalf("status %d: %s", resp.StatusCode, respBody)
					}
					if got := resp.Header.Get("Content-Type"); got != ct {
						t.Errorf("response Content-Type %q, want %q", got, ct)
					}
					if err := unmarshalAs(sig.resp, respBody, ct); err != nil {
						t.Errorf("response is not an export response: %v", err)
					}
					rec.mu.Lock()
					got := rec.batches[before:]
					rec.mu.Unlock()
					if len(got) != 1 {
						t.Fatalf("%d batches arrived, want 1", len(got))
					}
					if !bytes.Equal(sig.arrived(got[0]), sig.want) {
						t.Error("content changed in transit")
					}
				})
			}
		}
	}
}

func unmarshalAs(m any, b []byte, ct string) error {
	type both interface {
		UnmarshalProto([]byte) error
		UnmarshalJSON([]byte) error
	}
	if ct == contentTypeJSON {
		return m.(both).UnmarshalJSON(b)
	}
	return m.(both).UnmarshalProto(b)
}

// decodeStatus checks that an error body is a google.rpc.Status in ct.
func decodeStatus(t *testing.T, body []byte, ct string) *spb.Status {
	t.Helper()
	st := &spb.Status{}
	var err error
	if ct == contentTypeProto {
		err = proto.Unmarshal(body, st)
	} else {
		err = protojson.Unmarshal(body, st)
	}
	if err != nil {
		t.Fatalf("error body %q is not a google.rpc.Status in %s: %v", body, ct, err)
	}
	return st
}

func TestHTTPBadInput(t *testing.T) {
	cfg := testConfig()
	cfg.HTTP.MaxRequestBytes = 4 << 20
	rec := &recorder{}
	s := startServer(t, cfg, rec)
	valid, err := pmetricotlp.NewExportRequestFromMetrics(testMetrics(1, 2, 3)).MarshalProto()
	if err != nil {
		t.Fatal(err)
	}
	gz := gzipBytes(t, valid)

	tests := []struct {
		name     string
		method   string
		ct, ce   string
		body     []byte
		chunked  bool // no Content-Length: the limit must hold while reading
		status   int
		code     codes.Code
		respType string
	}{
		{"malformed protobuf", "POST", contentTypeProto, "", []byte{0xff, 0xff, 0xff, 0xff}, false, 400, codes.InvalidArgument, contentTypeProto},
		{"malformed json", "POST", contentTypeJSON, "", []byte(`{"resourceMetrics": [`), false, 400, codes.InvalidArgument, contentTypeJSON},
		{"wrong content type", "POST", "text/plain", "", valid, false, 415, codes.InvalidArgument, contentTypeJSON},
		{"unknown content encoding", "POST", contentTypeProto, "br", valid, false, 415, codes.InvalidArgument, contentTypeProto},
		{"GET", "GET", contentTypeProto, "", nil, false, 405, codes.Unimplemented, contentTypeProto},
		{"oversized body", "POST", contentTypeProto, "", bytes.Repeat([]byte{0}, 5<<20), false, 413, codes.ResourceExhausted, contentTypeProto},
		{"oversized chunked body", "POST", contentTypeProto, "", bytes.Repeat([]byte{0}, 5<<20), true, 413, codes.ResourceExhausted, contentTypeProto},
		{"truncated gzip", "POST", contentTypeProto, "gzip", gz[:len(gz)/2], false, 400, codes.InvalidArgument, contentTypeProto},
		{"corrupt gzip header", "POST", contentTypeProto, "gzip", valid, false, 400, codes.InvalidArgument, contentTypeProto},
		{"corrupt zstd", "POST", contentTypeProto, "zstd", valid, false, 400, codes.InvalidArgument, contentTypeProto},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body io.Reader = bytes.NewReader(tt.body)
			if tt.chunked {
				body = io.MultiReader(body)
			}
			req, err := http.NewRequest(tt.method, httpURL(s, "metrics"), body)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", tt.ct)
			if tt.ce != "" {
				req.Header.Set("Content-Encoding", tt.ce)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			respBody, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.status, respBody)
			}
			if got := resp.Header.Get("Content-Type"); got != tt.respType {
				t.Errorf("Content-Type %q, want %q", got, tt.respType)
			}
			if st := decodeStatus(t, respBody, tt.respType); codes.Code(st.GetCode()) != tt.code {
				t.Errorf("status code %s, want %s", codes.Code(st.GetCode()), tt.code)
			}
		})
	}
	if n := rec.count(); n != 0 {
		t.Errorf("%d bad requests reached the pipeline", n)
	}
	// The server is still up and serving.
	if resp, b := post(t, nil, httpURL(s, "metrics"), valid, map[string]string{"Content-Type": contentTypeProto}); resp.StatusCode != 200 {
		t.Fatalf("valid request after bad ones: %d %s", resp.StatusCode, b)
	}
}

// TestHTTPGzipBomb sends about 1 MB of gzip that inflates to 1 GiB (1024
// concatenated members of 1 MiB of zeros). It must be refused with 413 after
// decompressing no more than max_decompressed_bytes, with memory bounded by
// that limit.
func TestHTTPGzipBomb(t *testing.T) {
	// An 8 MiB inflate limit keeps the test quick under -race; the bound
	// checked below is relative to it, far below the bomb's 1 GiB.
	cfg := testConfig()
	cfg.HTTP.MaxDecompressedBytes = 8 << 20
	rec := &recorder{}
	s := startServer(t, cfg, rec)
	member := gzipBytes(t, make([]byte, 1<<20))
	bomb := bytes.Repeat(member, 1024)
	if len(bomb) > 2<<20 {
		t.Fatalf("bomb is %d bytes, want about 1 MB", len(bomb))
	}

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	resp, body := post(t, nil, httpURL(s, "logs"), bomb, map[string]string{"Content-Type": contentTypeProto, "Content-Encoding": "gzip"})
	runtime.ReadMemStats(&after)

	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d, want 413: %s", resp.StatusCode, body)
	}
	if !strings.Contains(string(decodeStatus(t, body, contentTypeProto).GetMessage()), "max_decompressed_bytes") {
		t.Errorf("message does not name the limit: %s", body)
	}
	// Reading up to the limit allocates about twice the limit (doubling
	// buffer); decoding the bomb would allocate 1 GiB.
	delta := after.TotalAlloc - before.TotalAlloc
	t.Logf("allocated %d MiB for a %d KiB bomb of 1 GiB", delta>>20, len(bomb)>>10)
	if delta > 4*uint64(cfg.HTTP.MaxDecompressedBytes) {
		t.Errorf("allocated %d MiB handling the bomb, want < %d MiB", delta>>20, 4*cfg.HTTP.MaxDecompressedBytes>>20)
	}
	if rec.count() != 0 {
		t.Error("the bomb reached the pipeline")
	}
}

func TestHTTPErrorMapping(t *testing.T) {
	rec := &recorder{}
	s := startServer(t, testConfig(), rec)
	body, err := pmetricotlp.NewExportRequestFromMetrics(testMetrics(1, 1, 1)).MarshalProto()
	if err != nil {
		t.Fatal(err)
	}
	jsonBody, err := pmetricotlp.NewExportRequestFromMetrics(testMetrics(1, 1, 1)).MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		err        error
		status     int
		retryAfter string
	}{
		{"refused", pipeline.Refused("memory", 2*time.Second), 503, "2"},
		{"refused rounds up", pipeline.Refused("memory", 1100*time.Millisecond), 503, "2"},
		{"refused at least 1s", pipeline.Refused("memory", 0), 503, "1"},
		{"permanent", pipeline.Permanent(errors.New("bad")), 400, ""},
		{"other", errors.New("boom"), 503, ""},
	}
	for _, tt := range tests {
		for _, ct := range []string{contentTypeProto, contentTypeJSON} {
			t.Run(tt.name+"/"+ct, func(t *testing.T) {
				rec.setErr(tt.err)
				b := body
				if ct == contentTypeJSON {
					b = jsonBody
				}
				resp, respBody := post(t, nil, httpURL(s, "metrics"), b, map[string]string{"Content-Type": ct})
				if resp.StatusCode != tt.status {
					t.Fatalf("status %d, want %d", resp.StatusCode, tt.status)
				}
				if got := resp.Header.Get("Retry-After"); got != tt.retryAfter {
					t.Errorf("Retry-After %q, want %q", got, tt.retryAfter)
				}
				if resp.Header.Get("Content-Type") != ct {
					t.Errorf("Content-Type %q, want %q", resp.Header.Get("Content-Type"), ct)
				}
				if st := decodeStatus(t, respBody, ct); st.GetMessage() == "" {
					t.Error("empty status message")
				}
			})
		}
	}
}
