package otlpserver

import (
	"bytes"
	"context"
	"io"
	"net/http"
	rtmetrics "runtime/metrics"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/mem"
	"google.golang.org/grpc/status"

	"github.com/dbintel/dbintel/pkg/pipeline"
)

// gate is a consumer that holds every batch until release is closed, so a
// flood's accepted requests keep their bytes in flight while the rest
// arrive: what is refused then depends on counts, not on timing.
type gate struct {
	entered chan struct{}
	release chan struct{}
}

func newGate(n int) *gate {
	return &gate{entered: make(chan struct{}, n), release: make(chan struct{})}
}

func (g *gate) Consume(context.Context, pipeline.Batch) error {
	g.entered <- struct{}{}
	<-g.release
	return nil
}

// flood runs n senders at once. Once every sender is either answered or held
// in the gate, the gate opens; it returns the answers and how many were held.
func flood[T any](t *testing.T, g *gate, n int, send func(i int) T) (answers []T, held int) {
	t.Helper()
	results := make(chan T, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { results <- send(i) })
	}
	for len(answers)+held < n {
		select {
		case <-g.entered:
			held++
		case a := <-results:
			answers = append(answers, a)
		}
	}
	close(g.release)
	wg.Wait()
	close(results)
	for a := range results {
		answers = append(answers, a)
	}
	return answers, held
}

// heapPeak samples the live heap until stop is called, to report (not
// assert) what a flood cost.
func heapPeak() (stop func() uint64) {
	var peak uint64
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		s := []rtmetrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			rtmetrics.Read(s)
			peak = max(peak, s[0].Value.Uint64())
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	return func() uint64 { close(done); <-finished; return peak }
}

// TestHTTPDecompressionBombFlood: 32 concurrent requests of ~64 KB gzip that
// each inflate to 63 MiB (valid OTLP/JSON: whitespace around {}), with the
// default limits. Under the 128 MiB budget at most one body can be held
// (each needs 64 MiB of buffer), so at least 31 are refused with 503 +
// Retry-After while reading, and the bytes in flight never pass the budget.
func TestHTTPDecompressionBombFlood(t *testing.T) {
	const n = 32
	// Gzip members back to back: 1 MiB of spaces compressed once, 63 times.
	part := gzipBytes(t, bytes.Repeat([]byte{' '}, 1<<20/floodScale))
	body := append(bytes.Repeat(part, 63), gzipBytes(t, []byte("{}"))...)
	g := newGate(n)
	reg := prometheus.NewRegistry()
	cfg := testConfig()
	cfg.HTTP.MaxDecompressedBytes /= floodScale
	cfg.MaxInFlightBytes /= floodScale
	// Inflating is CPU-bound and the machine is shared: keep the server's
	// timeouts out of a test about the budget.
	cfg.HTTP.ReadTimeout, cfg.HTTP.WriteTimeout = 5*time.Minute, 5*time.Minute
	s := startServerWith(t, cfg, g, reg, nil)
	client := &http.Client{Transport: &http.Transport{MaxConnsPerHost: n}}
	defer client.CloseIdleConnections()

	stop := heapPeak()
	type answer struct {
		code       int
		retryAfter string
		err        error
	}
	answers, held := flood(t, g, n, func(int) answer {
		req, _ := http.NewRequest(http.MethodPost, httpURL(s, "logs"), bytes.NewReader(body))
		req.Header.Set("Content-Type", contentTypeJSON)
		req.Header.Set("Content-Encoding", "gzip")
		resp, err := client.Do(req)
		if err != nil {
			return answer{err: err}
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return answer{code: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After")}
	})
	heap := stop()
	refused := 0
	for _, a := range answers {
		switch {
		case a.code == http.StatusServiceUnavailable && a.retryAfter == "1":
			refused++
		case a.code != http.StatusOK:
			t.Errorf("answer %d (Retry-After %q, error %v), want 200 or 503 + Retry-After: 1", a.code, a.retryAfter, a.err)
		}
	}
	peak, limit := s.budget.peakUse(), s.cfg.MaxInFlightBytes
	t.Logf("scale 1/%d: %d KiB gzip → %d MiB each: %d held, %d refused; peak in flight %d MiB of %d MiB; peak live heap %d MiB",
		floodScale, len(body)>>10, 63/floodScale, held, refused, peak>>20, limit>>20, heap>>20)
	if held > 1 || held+refused != n {
		t.Errorf("held %d, refused %d: the budget admits one full body at a time", held, refused)
	}
	if peak > limit {
		t.Errorf("peak in flight %d over the budget %d", peak, limit)
	}
	if got := testutil.ToFloat64(s.m.early.WithLabelValues(transportHTTP, reasonBudget)); int(got) != refused {
		t.Errorf("requests_refused_early_total{budget} = %v, want %d", got, refused)
	}
	if used := s.budget.inUse(); used != 0 {
		t.Errorf("%d bytes still held after every answer", used)
	}
	// The server keeps serving normal senders.
	resp, _ := post(t, client, httpURL(s, "logs"), logsProto(t, testLogs(3)), map[string]string{"Content-Type": contentTypeProto})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("normal request after the flood: %d", resp.StatusCode)
	}
}

// rawCodec sends pre-encoded protobuf bytes, so 256 concurrent calls share
// one 15 MiB message on the client side; it ignores the (empty) response.
type rawCodec struct{}

func (rawCodec) Marshal(v any) (mem.BufferSlice, error) {
	return mem.BufferSlice{mem.SliceBuffer(v.([]byte))}, nil
}
func (rawCodec) Unmarshal(mem.BufferSlice, any) error { return nil }
func (rawCodec) Name() string                         { return "proto" }

// TestGRPCLargeMessageFlood: 4 connections × 64 streams × 15 MiB messages.
// Each call reserves max_recv_msg_size_bytes (16 MiB) at its headers and
// keeps its 15 MiB once the message is in, so under the 128 MiB budget at
// most 8 are held; every other call is refused before its message is read,
// with UNAVAILABLE and RetryInfo.
func TestGRPCLargeMessageFlood(t *testing.T) {
	const conns, streams = 4, 64
	ld := plog.NewLogs()
	ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty().Body().SetStr(strings.Repeat("x", 15<<20/floodScale))
	msg, err := plogotlp.NewExportRequestFromLogs(ld).MarshalProto()
	if err != nil {
		t.Fatal(err)
	}
	g := newGate(conns * streams)
	reg := prometheus.NewRegistry()
	cfg := testConfig()
	cfg.GRPC.MaxRecvMsgSizeBytes /= floodScale
	cfg.HTTP.MaxDecompressedBytes /= floodScale
	cfg.MaxInFlightBytes /= floodScale
	s := startServerWith(t, cfg, g, reg, nil)
	ccs := make([]*grpc.ClientConn, conns)
	for i := range ccs {
		ccs[i] = dialGRPC(t, s, grpc.WithTransportCredentials(insecure.NewCredentials()), grpc.WithDefaultCallOptions(grpc.ForceCodecV2(rawCodec{})))
	}

	stop := heapPeak()
	answers, held := flood(t, g, conns*streams, func(i int) error {
		var reply []byte
		return ccs[i%conns].Invoke(context.Background(), "/opentelemetry.proto.collector.logs.v1.LogsService/Export", msg, &reply)
	})
	heap := stop()

	refused := 0
	for _, err := range answers {
		st := status.Convert(err)
		switch {
		case st.Code() == codes.Unavailable && hasRetryInfo(st):
			refused++
		case st.Code() != codes.OK:
			t.Errorf("answer %s (%v), want OK or UNAVAILABLE with RetryInfo", st.Code(), err)
		}
	}
	peak, limit := s.budget.peakUse(), s.cfg.MaxInFlightBytes
	t.Logf("scale 1/%d: %d × %d KiB calls: %d held, %d refused; peak in flight %d MiB of %d MiB; peak live heap %d MiB",
		floodScale, conns*streams, len(msg)>>10, held, refused, peak>>20, limit>>20, heap>>20)
	if maxHeld := int(limit) / len(msg); held > maxHeld || held == 0 || refused != conns*streams-held {
		t.Errorf("held %d (want 1..%d), refused %d", held, maxHeld, refused)
	}
	if peak > limit {
		t.Errorf("peak in flight %d over the budget %d", peak, limit)
	}
	if got := testutil.ToFloat64(s.m.early.WithLabelValues(transportGRPC, reasonBudget)); int(got) != refused {
		t.Errorf("requests_refused_early_total{budget} = %v, want %d", got, refused)
	}
	if used := s.budget.inUse(); used != 0 {
		t.Errorf("%d bytes still held after every answer", used)
	}
}

func hasRetryInfo(st *status.Status) bool {
	for _, d := range st.Details() {
		if _, ok := d.(*errdetails.RetryInfo); ok {
			return true
		}
	}
	return false
}
