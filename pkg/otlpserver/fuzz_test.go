package otlpserver

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"

	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"

	"github.com/dbintel/dbintel/pkg/pipeline"
)

// fuzzHandler is the HTTP handler of a server that never listens, with small
// limits so the fuzzer spends its time in the decoders.
func fuzzHandler(tb testing.TB, next pipeline.Consumer) http.Handler {
	tb.Helper()
	cfg := testConfig()
	cfg.HTTP.MaxRequestBytes = 1 << 20
	cfg.HTTP.MaxDecompressedBytes = 4 << 20
	s, err := New(cfg, next, nil, nil)
	if err != nil {
		tb.Fatal(err)
	}
	return s.httpSrv.Handler
}

func fuzzSeed(tb testing.TB) []byte {
	b, err := pmetricotlp.NewExportRequestFromMetrics(testMetrics(2, 2, 2)).MarshalProto()
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func serveFuzz(h http.Handler, body []byte, contentType, encoding string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/v1/metrics", bytes.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Content-Encoding", encoding)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

// TestFuzzSeedDecodes proves the fuzz seed reaches the protobuf decoder and
// the pipeline, in each encoding the fuzzer starts from.
func TestFuzzSeedDecodes(t *testing.T) {
	seed := fuzzSeed(t)
	for _, enc := range []struct {
		name string
		body []byte
	}{{"", seed}, {"gzip", gzipBytes(t, seed)}, {"zstd", zstdBytes(t, seed)}} {
		rec := &recorder{}
		w := serveFuzz(fuzzHandler(t, rec), enc.body, contentTypeProto, enc.name)
		if w.Code != http.StatusOK {
			t.Fatalf("encoding %q: status %d: %s", enc.name, w.Code, w.Body)
		}
		if got := rec.merged().Metrics.DataPointCount(); got != 8 {
			t.Errorf("encoding %q: %d points decoded, want 8", enc.name, got)
		}
	}
}

// FuzzHTTPDecode feeds arbitrary bodies, content types and encodings to the
// OTLP/HTTP handler: it must never panic, and must answer with one of the
// statuses the OTLP mapping allows.
func FuzzHTTPDecode(f *testing.F) {
	seed := fuzzSeed(f)
	f.Add(seed, contentTypeProto, "")
	f.Add(gzipBytes(f, seed), contentTypeProto, "gzip")
	f.Add(zstdBytes(f, seed), contentTypeProto, "zstd")
	js, err := pmetricotlp.NewExportRequestFromMetrics(testMetrics(1, 1, 1)).MarshalJSON()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(js, contentTypeJSON, "")
	f.Add([]byte("{}"), "application/json; charset=utf-8", "identity")
	// A no-op consumer: a recorder would keep every accepted input alive.
	h := fuzzHandler(f, noop)
	allowed := map[int]bool{200: true, 400: true, 413: true, 415: true}
	f.Fuzz(func(t *testing.T, body []byte, contentType, encoding string) {
		w := serveFuzz(h, body, contentType, encoding)
		if !allowed[w.Code] {
			t.Fatalf("status %d for content type %q encoding %q: %s", w.Code, contentType, encoding, w.Body)
		}
	})
}
