package otlpserver

import (
	"context"
	"net/http"
	"testing"

	"github.com/dbintel/dbintel/pkg/pipeline"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
)

// TestHTTPConcurrencyCapRefusesRetryably: with one slot taken by a request
// the pipeline holds, the next request is refused with 503 + Retry-After
// before its body is read, and is accepted once the slot is free.
func TestHTTPConcurrencyCapRefusesRetryably(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	held := true
	next := pipeline.ConsumerFunc(func(context.Context, pipeline.Batch) error {
		if held {
			held = false
			close(entered)
			<-release
		}
		return nil
	})
	cfg := testConfig()
	cfg.HTTP.MaxConcurrentRequests = 1
	s := startServer(t, cfg, next)

	md := pmetric.NewMetrics()
	md.ResourceMetrics().AppendEmpty().ScopeMetrics().AppendEmpty().Metrics().AppendEmpty().SetEmptyGauge().DataPoints().AppendEmpty().SetIntValue(1)
	body, err := pmetricotlp.NewExportRequestFromMetrics(md).MarshalProto()
	if err != nil {
		t.Fatal(err)
	}
	hdr := map[string]string{"Content-Type": "application/x-protobuf"}
	first := make(chan int)
	go func() {
		resp, _ := post(t, nil, httpURL(s, "metrics"), body, hdr)
		first <- resp.StatusCode
	}()
	<-entered
	resp, _ := post(t, nil, httpURL(s, "metrics"), body, hdr)
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") != "1" {
		t.Fatalf("second request: %d, Retry-After %q; want 503 and 1", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	close(release)
	if code := <-first; code != http.StatusOK {
		t.Fatalf("first request: %d", code)
	}
	if resp, _ := post(t, nil, httpURL(s, "metrics"), body, hdr); resp.StatusCode != http.StatusOK {
		t.Fatalf("after the slot was freed: %d", resp.StatusCode)
	}
}
