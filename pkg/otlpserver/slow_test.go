package otlpserver

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// slowSender sends a request's headers, then its body a byte at a time
// every interval, until the server answers; it returns the status.
func slowSender(addr string, interval time.Duration) (int, error) {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	if _, err := fmt.Fprintf(conn, "POST /v1/logs HTTP/1.1\r\nHost: x\r\nContent-Type: %s\r\nContent-Length: 100000\r\n\r\n", contentTypeProto); err != nil {
		return 0, err
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			if _, err := conn.Write([]byte{0x0a}); err != nil {
				return
			}
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	})
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	close(stop)
	wg.Wait()
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// TestSlowSendersCannotStarveOthers: 40 connections trickle their bodies (a
// byte every 250 ms) while a normal client sends; more slow senders than
// max_concurrent_requests (32) used to hold every slot. Now the slow ones
// hold only the buffer their first bytes fill, every normal request is
// accepted, and each slow sender is cut with 408 once body_timeout has
// passed without the minimum rate.
func TestSlowSendersCannotStarveOthers(t *testing.T) {
	const slow = 40
	cfg := testConfig()
	cfg.HTTP.BodyTimeout = 2 * time.Second
	rec := &recorder{}
	s := startServer(t, cfg, rec)

	codes := make(chan int, slow)
	for range slow {
		go func() {
			code, err := slowSender(s.HTTPAddr().String(), 250*time.Millisecond)
			if err != nil {
				t.Errorf("slow sender: %v", err)
			}
			codes <- code
		}()
	}
	// Wait until every slow body is being read: each holds its first buffer.
	for s.budget.inUse() < slow*minBufferGrow {
		time.Sleep(5 * time.Millisecond)
	}
	if held := s.budget.inUse(); held > slow*minBufferGrow {
		t.Errorf("slow senders hold %d bytes of the budget, want %d (one smallest buffer each)", held, slow*minBufferGrow)
	}
	body := logsProto(t, testLogs(2))
	for i := range 20 {
		resp, _ := post(t, nil, httpURL(s, "logs"), body, map[string]string{"Content-Type": contentTypeProto})
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("normal request %d among slow senders: %d", i, resp.StatusCode)
		}
	}
	for range slow {
		if code := <-codes; code != http.StatusRequestTimeout {
			t.Errorf("slow sender answered %d, want 408", code)
		}
	}
	if got := testutil.ToFloat64(s.m.early.WithLabelValues(transportHTTP, reasonSlowBody)); got != slow {
		t.Errorf("requests_refused_early_total{slow_body} = %v, want %d", got, slow)
	}
	if rec.count() != 20 {
		t.Errorf("%d batches reached the pipeline, want 20", rec.count())
	}
	if used := s.budget.inUse(); used != 0 {
		t.Errorf("%d bytes still held", used)
	}
}
