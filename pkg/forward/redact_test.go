package forward

import (
	"bytes"
	"context"
	"encoding/base64"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dbintel/dbintel/test/fakebackend"
)

// TestURLCredentials: user:pass in an HTTP endpoint reaches the backend as
// basic auth, and neither the log nor any error repeats the password.
func TestURLCredentials(t *testing.T) {
	be := fakebackend.Start(t)
	cfg := testConfig(be, "http")
	cfg.Endpoint = strings.Replace(be.HTTPURL(), "http://", "http://alice:pw-in-url@", 1)
	var log bytes.Buffer
	f, err := New(cfg, prometheus.NewRegistry(), slog.New(slog.NewTextHandler(&log, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer f.Shutdown(context.Background())
	if err := f.Consume(context.Background(), testBatch(1, 0, 0)); err != nil {
		t.Fatal(err)
	}
	be.WaitForItems(t, 1, 10*time.Second)
	want := "Basic " + base64.StdEncoding.EncodeToString([]byte("alice:pw-in-url"))
	if got := be.Requests()[0].Headers["authorization"]; got != want {
		t.Errorf("authorization = %q, want basic auth from the URL", got)
	}

	// A backend that is down: the transport error names the URL.
	down := cfg
	down.Endpoint = "http://alice:pw-in-url@127.0.0.1:1"
	c, err := newClient(down)
	if err != nil {
		t.Fatal(err)
	}
	defer c.close()
	_, sendErr := c.send(context.Background(), sigMetrics, rawOf(t, sigMetrics, testBatch(1, 0, 0)))
	if sendErr == nil || strings.Contains(sendErr.Error(), "pw-in-url") || strings.Contains(sendErr.Error(), "alice") {
		t.Errorf("transport error: %v", sendErr)
	}
	if strings.Contains(log.String(), "pw-in-url") || !strings.Contains(log.String(), "[REDACTED]@127.0.0.1") {
		t.Errorf("log:\n%s", log.String())
	}
}
