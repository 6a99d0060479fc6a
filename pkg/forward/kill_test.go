package forward

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dbintel/dbintel/test/fakebackend"
)

// TestKill9KeepsAcknowledgedData runs a forwarder with a durable queue in a
// child process (this test binary), lets it acknowledge batches while the
// backend is unreachable, kills it with SIGKILL mid-stream, and restarts on
// the same directory: every batch the child acknowledged must arrive.
func TestKill9KeepsAcknowledgedData(t *testing.T) {
	if os.Getenv("FORWARD_KILL_CHILD") != "" {
		killChild()
		return
	}
	for _, tc := range []struct {
		name string
		up   bool // backend reachable (and slow) while the child runs
	}{{"backend down", false}, {"backend slow", true}} {
		t.Run(tc.name, func(t *testing.T) {
			be := fakebackend.Start(t)
			addr := deadAddr(t)
			if tc.up {
				be.SetDelay(20 * time.Millisecond)
				addr = be.GRPCAddr()
			}
			dir := t.TempDir()
			acked := runAndKill(t, dir, addr)

			be.SetDelay(0)
			f, reg := newStopped(t, durableConfig(t, be, dir))
			_ = f.Start(context.Background())
			be.WaitForItems(t, 3*len(acked), 20*time.Second)
			waitBalanced(t, reg)
			shutdown(t, f, 5*time.Second)
			got := map[string]int{}
			for _, md := range be.Metrics() {
				for _, rm := range md.ResourceMetrics().All() {
					v, _ := rm.Resource().Attributes().Get("batch")
					got[v.AsString()] += rm.ScopeMetrics().At(0).Metrics().At(0).Gauge().DataPoints().Len()
				}
			}
			duplicated := 0
			for i := range acked {
				n := got[strconv.Itoa(i)]
				if n < 3 {
					t.Errorf("acknowledged batch %d: %d of 3 points delivered", i, n)
				}
				if n > 3 {
					duplicated++
				}
			}
			// Only batches in flight at the kill may be sent twice.
			if workers := DefaultConfig().Queue.Workers; duplicated > workers {
				t.Errorf("%d batches duplicated, more than the %d that can be in flight", duplicated, workers)
			}
			t.Logf("%d batches acknowledged before SIGKILL, all delivered, %d duplicated", len(acked), duplicated)
		})
	}
}

// runAndKill starts the child on dir, reads its acknowledgements until 40,
// and kills it with SIGKILL: no shutdown, no flush.
func runAndKill(t *testing.T, dir, addr string) map[int]bool {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestKill9KeepsAcknowledgedData$")
	cmd.Env = append(os.Environ(), "FORWARD_KILL_CHILD=1", "FORWARD_KILL_DIR="+dir, "FORWARD_KILL_ADDR="+addr)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	acked := map[int]bool{}
	sc := bufio.NewScanner(out)
	for sc.Scan() && len(acked) < 40 {
		if n, ok := strings.CutPrefix(sc.Text(), "ack "); ok {
			i, _ := strconv.Atoi(n)
			acked[i] = true
		}
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if len(acked) < 40 {
		t.Fatalf("child acknowledged only %d batches", len(acked))
	}
	return acked
}

// killChild queues numbered batches forever, printing each acknowledgement.
func killChild() {
	cfg := DefaultConfig()
	cfg.Endpoint, cfg.Insecure = os.Getenv("FORWARD_KILL_ADDR"), true
	cfg.Queue.Dir = os.Getenv("FORWARD_KILL_DIR")
	cfg.Retry.InitialInterval, cfg.Retry.MaxInterval = 10*time.Millisecond, 50*time.Millisecond
	f, err := New(cfg, nil, nil)
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	_ = f.Start(context.Background())
	for i := 0; ; i++ {
		b := testBatch(3, 0, 0)
		b.Metrics.ResourceMetrics().At(0).Resource().Attributes().PutStr("batch", strconv.Itoa(i))
		if f.Consume(context.Background(), b) == nil {
			fmt.Printf("ack %d\n", i)
		}
	}
}

// deadAddr is a loopback address nobody listens on.
func deadAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}
