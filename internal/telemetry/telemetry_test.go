package telemetry

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// short keeps the slow-client tests quick; the production values differ only
// in size.
var short = timeouts{readHeader: 200 * time.Millisecond, read: 400 * time.Millisecond, write: time.Second, idle: 300 * time.Millisecond}

func startMetrics(t *testing.T) string {
	t.Helper()
	cfg := Config{MetricsEndpoint: "127.0.0.1:0", LogLevel: "info", LogFormat: "text"}
	reg := prometheus.NewRegistry()
	reg.MustRegister(prometheus.NewGauge(prometheus.GaugeOpts{Name: "up_test"}))
	s, err := start(cfg, reg, nil, slog.New(slog.DiscardHandler), short)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Shutdown(context.Background()) })
	return s.addrs[0]
}

// closedByServer writes prefix, then one byte of trickle every 50ms, and
// reports whether the server closed the connection. The 10 s guard only ends
// a test that would otherwise hang; it is not the assertion.
func closedByServer(t *testing.T, addr, prefix, trickle string) bool {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, prefix); err != nil {
		t.Fatal(err)
	}
	readErr := make(chan error, 1)
	go func() {
		_, err := io.Copy(io.Discard, conn)
		if err == nil {
			err = io.EOF
		}
		readErr <- err
	}()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for i := 0; ; i++ {
		select {
		case err := <-readErr:
			return !errors.Is(err, os.ErrDeadlineExceeded)
		case <-tick.C:
			if trickle != "" {
				_, _ = io.WriteString(conn, trickle[i%len(trickle):i%len(trickle)+1])
			}
		}
	}
}

func TestSlowClientsAreDisconnected(t *testing.T) {
	addr := startMetrics(t)
	cases := []struct{ name, prefix, trickle string }{
		{"headers one byte at a time", "GET /metrics HTTP/1.1\r\nHost: x\r\n", "X-Slow: y\r\n"},
		{"body one byte at a time", "POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n", "a"},
		{"idle keep-alive", "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if !closedByServer(t, addr, c.prefix, c.trickle) {
				t.Error("the server kept the slow connection open")
			}
		})
	}
	// A normal client is still served.
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if line, _ := bufio.NewReader(resp.Body).ReadString('\n'); resp.StatusCode != 200 || line == "" {
		t.Fatalf("metrics: %d %q", resp.StatusCode, line)
	}
}

// TestProfileOutlastsWriteTimeout: a CPU profile longer than the write
// timeout (2 s against 1 s) is still delivered.
func TestProfileOutlastsWriteTimeout(t *testing.T) {
	cfg := Config{PprofEndpoint: "127.0.0.1:0", LogLevel: "info", LogFormat: "text"}
	s, err := start(cfg, prometheus.NewRegistry(), nil, slog.New(slog.DiscardHandler), short)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Shutdown(context.Background())
	resp, err := http.Get("http://" + s.addrs[0] + "/debug/pprof/profile?seconds=2")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || len(body) == 0 {
		t.Fatalf("profile: %d %q", resp.StatusCode, body)
	}
}

// TestDefaultsKeepDataOnLoopback: metrics, status page and pprof show
// database names and memory, so they default to loopback; health stays
// reachable for the kubelet's probes on the pod IP.
func TestDefaultsKeepDataOnLoopback(t *testing.T) {
	c := DefaultConfig()
	for name, ep := range map[string]string{"metrics": c.MetricsEndpoint, "status": c.StatusEndpoint, "pprof": c.PprofEndpoint} {
		host, _, err := net.SplitHostPort(ep)
		if err != nil || !net.ParseIP(host).IsLoopback() {
			t.Errorf("%s endpoint %q is not loopback", name, ep)
		}
	}
	if host, _, _ := net.SplitHostPort(c.HealthEndpoint); host != "0.0.0.0" {
		t.Errorf("health endpoint %q: kubelet probes come from outside the pod", c.HealthEndpoint)
	}
}
