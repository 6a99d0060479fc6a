package forward

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"google.golang.org/grpc/codes"

	"github.com/dbintel/dbintel/pkg/pipeline"
	"github.com/dbintel/dbintel/test/fakebackend"
)

func TestDelivery(t *testing.T) {
	for _, tc := range []struct{ protocol, compression string }{
		{"grpc", "gzip"}, {"grpc", "none"}, {"http", "gzip"}, {"http", "zstd"}, {"http", "none"},
	} {
		t.Run(tc.protocol+"/"+tc.compression, func(t *testing.T) {
			be := fakebackend.Start(t)
			cfg := testConfig(be, tc.protocol)
			cfg.Compression = tc.compression
			f, reg := start(t, cfg)
			if err := f.Consume(context.Background(), testBatch(5, 4, 3)); err != nil {
				t.Fatal(err)
			}
			be.WaitForItems(t, 12, 10*time.Second)
			waitBalanced(t, reg)
			reqs := be.Requests()
			if len(reqs) != 3 {
				t.Fatalf("got %d requests, want one per signal (3)", len(reqs))
			}
			for _, r := range reqs {
				if r.Headers["api-key"] != "test-license-key" {
					t.Errorf("%s request api-key = %q", r.Signal, r.Headers["api-key"])
				}
				if tc.protocol == "http" && tc.compression != "none" && r.Headers["content-encoding"] != tc.compression {
					t.Errorf("content-encoding = %q, want %q", r.Headers["content-encoding"], tc.compression)
				}
			}
			seen := ids(be)
			if len(seen) != 12 {
				t.Errorf("backend saw %d distinct items, want 12: %v", len(seen), seen)
			}
			if got := gathered(t, reg, "dbintel_forward_items_sent_total", "signal", "logs"); got != 4 {
				t.Errorf("sent logs = %v, want 4", got)
			}
		})
	}
}

// failures records what the FailureObserver is told.
type failures struct {
	mu      sync.Mutex
	reasons []string
	// sources counts the points per db.system.name it was handed: the
	// breaker keys on resources, which queued bytes must decode back to.
	sources map[string]int
}

func (o *failures) ExportFailed(b pipeline.Batch, reason string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.reasons = append(o.reasons, reason)
	for _, rm := range b.Metrics.ResourceMetrics().All() {
		v, _ := rm.Resource().Attributes().Get("db.system.name")
		for _, sm := range rm.ScopeMetrics().All() {
			for _, m := range sm.Metrics().All() {
				o.sources[v.Str()] += pipeline.PointCount(m)
			}
		}
	}
}

func TestRetryAndPermanent(t *testing.T) {
	for _, protocol := range []string{"grpc", "http"} {
		for _, tc := range []struct {
			name         string
			script       []fakebackend.Response
			wantAttempts int
			wantSent     float64
			wantReason   string
		}{
			{"unavailable then ok", []fakebackend.Response{{Code: codes.Unavailable}}, 2, 10, ""},
			{"503 twice then ok", []fakebackend.Response{{HTTPStatus: 503}, {HTTPStatus: 503}}, 3, 10, ""},
			{"invalid argument", []fakebackend.Response{{Code: codes.InvalidArgument}}, 1, 0, reasonInvalid},
			{"401", []fakebackend.Response{{HTTPStatus: 401}}, 1, 0, reasonUnauthorized},
			{"403", []fakebackend.Response{{HTTPStatus: 403}}, 1, 0, reasonUnauthorized},
			{"404", []fakebackend.Response{{HTTPStatus: 404}}, 1, 0, reasonNotFound},
			{"partial success", []fakebackend.Response{{Rejected: 3}}, 1, 7, reasonPartialSuccess},
		} {
			t.Run(protocol+"/"+tc.name, func(t *testing.T) {
				be := fakebackend.Start(t)
				be.Script(tc.script...)
				f, reg := start(t, testConfig(be, protocol))
				obs := &failures{sources: map[string]int{}}
				f.SetFailureObserver(obs)
				if err := f.Consume(context.Background(), testBatch(10, 0, 0)); err != nil {
					t.Fatal(err)
				}
				deadline := time.Now().Add(10 * time.Second)
				for len(be.Requests()) < tc.wantAttempts && time.Now().Before(deadline) {
					time.Sleep(5 * time.Millisecond)
				}
				waitBalanced(t, reg)
				if got := len(be.Requests()); got != tc.wantAttempts {
					t.Errorf("attempts = %d, want %d", got, tc.wantAttempts)
				}
				if got := gathered(t, reg, "dbintel_forward_items_sent_total"); got != tc.wantSent {
					t.Errorf("sent = %v, want %v", got, tc.wantSent)
				}
				if tc.wantReason != "" {
					if got := gathered(t, reg, "dbintel_forward_items_dropped_total", "reason", tc.wantReason); got != 10-tc.wantSent {
						t.Errorf("dropped %s = %v, want %v", tc.wantReason, got, 10-tc.wantSent)
					}
				}
				if tc.wantSent == 10 && len(ids(be)) != 10 {
					t.Errorf("backend holds %d distinct items, want 10 exactly once", len(ids(be)))
				}
				permanent := tc.wantSent == 0
				if permanent != (len(obs.reasons) == 1) {
					t.Errorf("observer told %v, want one call only for a permanent failure", obs.reasons)
				}
				if permanent && (len(obs.sources) != 1 || obs.sources["postgresql"] != 10) {
					t.Errorf("observer saw points per source %v, want the 10 of postgresql", obs.sources)
				}
				if ready := f.Ready(); (ready != nil) != (tc.wantReason == reasonUnauthorized) {
					t.Errorf("Ready() = %v after %s", ready, tc.name)
				}
			})
		}
	}
}

func TestReadyRecoversAfterSuccess(t *testing.T) {
	be := fakebackend.Start(t)
	be.Script(fakebackend.Response{Code: codes.Unauthenticated})
	f, reg := start(t, testConfig(be, "grpc"))
	_ = f.Consume(context.Background(), testBatch(1, 0, 0))
	waitBalanced(t, reg)
	if f.Ready() == nil {
		t.Fatal("Ready() = nil after UNAUTHENTICATED")
	}
	_ = f.Consume(context.Background(), testBatch(1, 0, 0))
	be.WaitForItems(t, 1, 10*time.Second)
	waitBalanced(t, reg)
	if err := f.Ready(); err != nil {
		t.Fatalf("Ready() = %v after a success", err)
	}
}

func TestRetryAfterIsHonoured(t *testing.T) {
	for _, tc := range []struct {
		protocol string
		resp     fakebackend.Response
	}{
		{"http", fakebackend.Response{HTTPStatus: 429, RetryAfter: 2 * time.Second}},
		{"grpc", fakebackend.Response{Code: codes.ResourceExhausted, RetryAfter: 2 * time.Second}},
	} {
		t.Run(tc.protocol, func(t *testing.T) {
			be := fakebackend.Start(t)
			be.Script(tc.resp)
			f, reg := start(t, testConfig(be, tc.protocol))
			_ = f.Consume(context.Background(), testBatch(3, 0, 0))
			deadline := time.Now().Add(10 * time.Second)
			for gathered(t, reg, "dbintel_forward_requests_total", "outcome", "throttled") == 0 && time.Now().Before(deadline) {
				time.Sleep(time.Millisecond)
			}
			// A second batch after the throttling answer: another worker
			// takes it and must wait for the backend's delay too.
			_ = f.Consume(context.Background(), testBatch(3, 0, 0))
			be.WaitForItems(t, 6, 20*time.Second)
			waitBalanced(t, reg)
			reqs := be.Requests()
			if len(reqs) != 3 {
				t.Fatalf("got %d requests, want 3 (throttled, retry, second batch)", len(reqs))
			}
			for _, r := range reqs[1:] {
				if gap := r.At.Sub(reqs[0].At); gap < 2*time.Second {
					t.Errorf("request %s after the 2s throttling answer", gap)
				}
			}
		})
	}
}

func TestFileSink(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.jsonl")
	cfg := DefaultConfig()
	cfg.Sink.File = path
	f, reg := start(t, cfg)
	for range 2 {
		if err := f.Consume(context.Background(), testBatch(2, 3, 1)); err != nil {
			t.Fatal(err)
		}
	}
	waitBalanced(t, reg)
	file, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	var points, records, spans, lines int
	sc := bufio.NewScanner(file)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		lines++
		line := sc.Bytes()
		if m := pmetricotlp.NewExportRequest(); m.UnmarshalJSON(line) == nil && m.Metrics().DataPointCount() > 0 {
			points += m.Metrics().DataPointCount()
		} else if l := plogotlp.NewExportRequest(); l.UnmarshalJSON(line) == nil && l.Logs().LogRecordCount() > 0 {
			records += l.Logs().LogRecordCount()
		} else if s := ptraceotlp.NewExportRequest(); s.UnmarshalJSON(line) == nil && s.Traces().SpanCount() > 0 {
			spans += s.Traces().SpanCount()
		} else {
			t.Errorf("line %d is no OTLP JSON request: %.100s", lines, line)
		}
	}
	if lines != 6 || points != 4 || records != 6 || spans != 2 {
		t.Errorf("got %d lines with %d points, %d records, %d spans; want 6 lines, 4, 6, 2", lines, points, records, spans)
	}
}

func TestTLS(t *testing.T) {
	for _, protocol := range []string{"grpc", "http"} {
		t.Run(protocol, func(t *testing.T) {
			be := fakebackend.StartTLS(t)
			cfg := testConfig(be, protocol)
			cfg.Insecure = false
			cfg.TLS.CAFile = be.CAFile()
			f, reg := start(t, cfg)
			_ = f.Consume(context.Background(), testBatch(2, 0, 0))
			be.WaitForItems(t, 2, 10*time.Second)
			waitBalanced(t, reg)

			// Without the private CA the system roots do not trust the
			// backend: a TLS failure is retried, never sent in clear.
			untrusted := testConfig(be, protocol)
			untrusted.Insecure = false
			u, ureg := start(t, untrusted)
			_ = u.Consume(context.Background(), testBatch(1, 0, 0))
			deadline := time.Now().Add(10 * time.Second)
			for gathered(t, ureg, "dbintel_forward_retries_total") == 0 && time.Now().Before(deadline) {
				time.Sleep(5 * time.Millisecond)
			}
			if got := be.Items(); got != 2 {
				t.Errorf("backend got %d items; the untrusted sender must not deliver", got)
			}
			if gathered(t, ureg, "dbintel_forward_retries_total") == 0 {
				t.Error("the untrusted sender never retried")
			}
			shutdown(t, u, 100*time.Millisecond) // it would retry until the deadline
		})
	}
}
