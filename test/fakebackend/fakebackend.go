// Package fakebackend is a fault-injecting stand-in for New Relic's OTLP
// endpoint, for tests: real OTLP/gRPC and OTLP/HTTP servers on loopback that
// record everything they receive and answer from a script.
//
//	be := fakebackend.Start(t)
//	be.Script(fakebackend.Response{Code: codes.Unavailable}) // first request fails
//	... point a sender at be.GRPCAddr() or be.HTTPURL() ...
//	be.WaitForItems(t, 10, 10*time.Second)
//
// Every request is recorded (Requests), whatever the answer; only accepted
// data is kept (Metrics, Logs, Traces). With an empty script every request
// succeeds.
package fakebackend

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"google.golang.org/grpc"
	_ "google.golang.org/grpc/encoding/gzip" // accept gzip-compressed requests
)

// Request is what the backend saw of one export request.
type Request struct {
	Signal    string            // metrics, logs or traces
	Transport string            // grpc or http
	Headers   map[string]string // lower-case names, first value
	Bytes     int               // body size on the wire (compressed)
	Items     int               // data points, log records or spans
	At        time.Time         // arrival
	// Concurrent is the number of requests being handled when this one
	// arrived, itself included: 1 means it was alone.
	Concurrent int
	Answer     Response // what it was answered
}

// Backend is a running fake. All methods are safe for concurrent use.
type Backend struct {
	t        testing.TB
	mu       sync.Mutex
	script   []Response
	delay    time.Duration
	maxBytes int
	requests []Request
	metrics  []pmetric.Metrics
	logs     []plog.Logs
	traces   []ptrace.Traces
	items    int
	inflight int
	discard  bool
	grpcAddr string
	httpAddr string
	tls      *tls.Config // nil: plaintext
	caFile   string
	grpcSrv  *grpc.Server
	httpSrv  *http.Server
	wg       sync.WaitGroup
}

// Start listens on two free loopback ports and stops at the end of the test.
func Start(t testing.TB) *Backend {
	t.Helper()
	b := &Backend{t: t, grpcAddr: "127.0.0.1:0", httpAddr: "127.0.0.1:0"}
	if err := b.listen(); err != nil {
		t.Fatalf("fakebackend: %v", err)
	}
	t.Cleanup(b.stop)
	return b
}

// GRPCAddr is host:port of the OTLP/gRPC server.
func (b *Backend) GRPCAddr() string { return b.grpcAddr }

// HTTPURL is the base URL of the OTLP/HTTP server (append /v1/metrics ...).
func (b *Backend) HTTPURL() string {
	if b.tls != nil {
		return "https://" + b.httpAddr
	}
	return "http://" + b.httpAddr
}

// Script queues answers: each request takes the next one; once the script
// is used up, requests succeed.
func (b *Backend) Script(rs ...Response) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.script = append(b.script, rs...)
}

// SetDelay holds every request for d before answering.
func (b *Backend) SetDelay(d time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.delay = d
}

// SetMaxBytes refuses requests whose body on the wire exceeds n bytes
// (413 / RESOURCE_EXHAUSTED without RetryInfo), like New Relic's 1 MB
// limit. 0 removes the cap. The cap is checked before the script.
func (b *Backend) SetMaxBytes(n int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.maxBytes = n
}

// SetDown(true) closes both listeners and every connection, so senders get
// "connection refused"; SetDown(false) listens again on the same addresses.
func (b *Backend) SetDown(down bool) {
	b.t.Helper()
	if down {
		b.stop()
		return
	}
	if err := b.listen(); err != nil {
		b.t.Errorf("fakebackend: back up: %v", err)
	}
}

// SetDiscard(true) keeps only counts (Items), not the data or the request
// log, so benchmarks and load tests run in constant memory.
func (b *Backend) SetDiscard(discard bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.discard = discard
}

// Requests returns every request received so far, in arrival order.
func (b *Backend) Requests() []Request {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]Request(nil), b.requests...)
}

// Metrics returns the accepted metrics requests.
func (b *Backend) Metrics() []pmetric.Metrics {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]pmetric.Metrics(nil), b.metrics...)
}

// Logs returns the accepted logs requests.
func (b *Backend) Logs() []plog.Logs {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]plog.Logs(nil), b.logs...)
}

// Traces returns the accepted traces requests.
func (b *Backend) Traces() []ptrace.Traces {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]ptrace.Traces(nil), b.traces...)
}

// Items is the number of accepted items (points, records, spans) so far.
func (b *Backend) Items() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.items
}

// WaitForItems waits until at least n items were accepted, failing t after
// timeout. It is a wait for delivery, not a timing assertion: keep timeout
// generous.
func (b *Backend) WaitForItems(t testing.TB, n int, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		got := b.Items()
		if got >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("fakebackend: %d items after %s, want %d", got, timeout, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// answer records a request, applies delay, size cap and script, and keeps
// the data when the answer is a success. keep is called under the lock.
func (b *Backend) answer(ctx context.Context, r Request, keep func()) Response {
	b.mu.Lock()
	delay := b.delay
	b.inflight++
	r.Concurrent = b.inflight
	b.mu.Unlock()
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-ctx.Done():
		}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.inflight--
	var resp Response
	switch {
	case b.maxBytes > 0 && r.Bytes > b.maxBytes:
		resp = Response{HTTPStatus: http.StatusRequestEntityTooLarge}
	case len(b.script) > 0:
		resp, b.script = b.script[0], b.script[1:]
	}
	if resp.Success() {
		if !b.discard {
			keep()
		}
		b.items += r.Items
	}
	r.Answer = resp
	if !b.discard {
		b.requests = append(b.requests, r)
	}
	return resp
}

func (b *Backend) listen() error {
	gl, err := net.Listen("tcp", b.grpcAddr)
	if err != nil {
		return err
	}
	hl, err := net.Listen("tcp", b.httpAddr)
	if err != nil {
		gl.Close()
		return err
	}
	b.mu.Lock()
	b.grpcAddr, b.httpAddr = gl.Addr().String(), hl.Addr().String()
	b.grpcSrv = newGRPCServer(b)
	b.httpSrv = &http.Server{Handler: b.httpHandler(), ReadHeaderTimeout: 5 * time.Second}
	if b.tls != nil {
		hl = tls.NewListener(hl, b.tls)
	}
	gs, hs := b.grpcSrv, b.httpSrv
	b.mu.Unlock()
	b.wg.Add(2)
	go func() { defer b.wg.Done(); _ = gs.Serve(gl) }()
	go func() { defer b.wg.Done(); _ = hs.Serve(hl) }()
	return nil
}

func (b *Backend) stop() {
	b.mu.Lock()
	gs, hs := b.grpcSrv, b.httpSrv
	b.grpcSrv, b.httpSrv = nil, nil
	b.mu.Unlock()
	if gs == nil {
		return
	}
	gs.Stop()
	_ = hs.Close()
	b.wg.Wait()
}
