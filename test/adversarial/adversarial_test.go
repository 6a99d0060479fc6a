// Package adversarial runs the real gateway binary, confined to a 1 GiB
// memory cgroup where the machine allows it (else watched through its
// VmHWM), through what a hostile or broken sender can do (issue 11):
// invalid UTF-8 in identity attributes, million-deep JSON, decompression
// bombs over HTTP and gRPC, slow bodies, huge and numerous database names.
//
// Each attack passes when the gateway is still running, its peak RSS stayed
// under the memory limiter's hard limit plus 10%, normal traffic sent
// during and after the attack was accepted (at least 99% within 5 s of the
// attack ending), and the self-metrics balance once it is quiet.
package adversarial

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dbintel/dbintel/test/fakebackend"
	"github.com/dbintel/dbintel/test/harness"
)

const (
	// hardLimitMiB is deploy/gateway.yaml's memory_limiter.hard_limit_mib.
	hardLimitMiB = 800
	// cgroupLimit is the pod limit in deploy/kubernetes.
	cgroupLimit = 1 << 30
	// settle is how long after an attack normal traffic has to get through.
	settle = 5 * time.Second
)

// target is the gateway under attack.
type target struct {
	*harness.Gateway
	env    map[string]string
	status string // base URL of the status page
	pid    int
}

// startTarget runs the gateway with deploy/gateway.yaml forwarding to a
// fake New Relic that keeps only counts.
func startTarget(t *testing.T) *target {
	t.Helper()
	be := fakebackend.Start(t)
	be.SetDiscard(true)
	tg := &target{env: harness.GatewayEnv(t, map[string]string{
		"DBINTEL_FORWARD_ENDPOINT": be.GRPCAddr(),
		"DBINTEL_FORWARD_PROTOCOL": "grpc",
		"NEW_RELIC_LICENSE_KEY":    "adversarial-suite-key",
		"DBINTEL_LOG_LEVEL":        "warn",
	})}
	tg.status = "http://" + tg.env["DBINTEL_STATUS_ENDPOINT"]
	tg.start(t)
	return tg
}

// start runs a fresh gateway process (the first, or after one died, so
// each attack is judged on its own).
func (tg *target) start(t *testing.T) {
	t.Helper()
	tg.Gateway = harness.StartGateway(t, tg.env, "")
	tg.pid = tg.Pid()
	confine(t, tg.pid)
}

// confine moves pid into a fresh memory cgroup (v1) limited to
// cgroupLimit, so an unbounded gateway is OOM-killed here as it would be
// in its pod. Without cgroup v1 or root the test relies on VmHWM alone.
func confine(t *testing.T, pid int) {
	t.Helper()
	root := "/sys/fs/cgroup/memory"
	dir := filepath.Join(root, fmt.Sprintf("dbintel-adversarial-%d", pid))
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Logf("no memory cgroup (%v): peak RSS is checked through VmHWM only", err)
		return
	}
	write := func(file, v string) error { return os.WriteFile(filepath.Join(dir, file), []byte(v), 0o644) }
	if err := write("memory.limit_in_bytes", strconv.Itoa(cgroupLimit)); err != nil {
		_ = os.Remove(dir)
		t.Logf("memory cgroup limit: %v: peak RSS is checked through VmHWM only", err)
		return
	}
	if err := write("cgroup.procs", strconv.Itoa(pid)); err != nil {
		_ = os.Remove(dir)
		t.Logf("memory cgroup join: %v: peak RSS is checked through VmHWM only", err)
		return
	}
	t.Logf("gateway pid %d confined to %s (%d MiB)", pid, dir, cgroupLimit>>20)
	// Cleanups run last-in first-out: this one runs before the process is
	// killed, so kill it here first; a cgroup with tasks cannot be removed.
	t.Cleanup(func() {
		if oom := readOOMKills(dir); oom > 0 {
			t.Errorf("the kernel OOM-killed %d process(es) in the gateway's cgroup", oom)
		}
		_ = syscallKill(pid)
		for range 100 {
			if os.Remove(dir) == nil {
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
		t.Logf("could not remove %s", dir)
	})
}

func readOOMKills(dir string) int {
	b, err := os.ReadFile(filepath.Join(dir, "memory.oom_control"))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "oom_kill "); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(v))
			return n
		}
	}
	return 0
}

// peakRSS is the process's VmHWM (peak resident set) in bytes.
func peakRSS(t *testing.T, pid int) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatalf("gateway process gone: %v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	t.Fatal("no VmHWM in /proc status")
	return 0
}

// attack runs fn while normal gRPC and HTTP senders send small requests,
// then keeps them sending for settle, and checks the pass conditions.
func (tg *target) attack(t *testing.T, name string, fn func(ctx context.Context, t *testing.T)) {
	if tg.Exited() {
		tg.start(t)
	}
	t.Run(name, func(t *testing.T) {
		normal := newNormalTraffic(t, tg)
		ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
		defer cancel()
		stop := normal.run()
		fn(ctx, t)
		end := time.Now()
		normal.deadline.Store(end.Add(settle).UnixNano())
		time.Sleep(settle)
		stop()
		if tg.Exited() {
			t.Fatalf("gateway exited during %s", name)
		}
		ok, total := normal.result()
		t.Logf("%s: normal requests accepted %d/%d; peak RSS %d MiB", name, ok, total, peakRSS(t, tg.pid)>>20)
		if total == 0 {
			t.Fatal("no normal traffic was sent")
		}
		if float64(ok) < 0.99*float64(total) {
			t.Errorf("only %d of %d normal requests were accepted by %s after the attack", ok, total, settle)
		}
		if peak := peakRSS(t, tg.pid); peak > hardLimitMiB*11/10<<20 {
			t.Errorf("peak RSS %d MiB above the hard limit %d MiB + 10%%", peak>>20, hardLimitMiB)
		}
		tg.checkBalance(t)
	})
}

// checkBalance waits until the gateway is quiet and asserts received =
// accepted + refused at its receiver.
func (tg *target) checkBalance(t *testing.T) {
	t.Helper()
	var last string
	for range 100 {
		m := harness.ScrapeMetrics(t, tg.Metrics)
		received := m.Sum("dbintel_receiver_items_received_total")
		accepted := m.Sum("dbintel_receiver_items_accepted_total")
		refused := m.Sum("dbintel_receiver_items_refused_total")
		if received == accepted+refused {
			return
		}
		last = fmt.Sprintf("received %v != accepted %v + refused %v", received, accepted, refused)
		time.Sleep(100 * time.Millisecond)
	}
	t.Errorf("receiver self-metrics do not balance: %s", last)
}

// normalTraffic is a well-behaved sender per transport: a request every
// 50 ms each, retrying retryable refusals as the OTLP spec says, until its
// deadline (attack end + settle).
type normalTraffic struct {
	t        *testing.T
	tg       *target
	deadline atomic.Int64 // unix nanos; 0 while the attack runs
	ok, all  atomic.Int64
}

func newNormalTraffic(t *testing.T, tg *target) *normalTraffic {
	return &normalTraffic{t: t, tg: tg}
}

func (n *normalTraffic) run() (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	grpcSender := harness.NewLogSender(n.t, n.tg.GRPC)
	var wg sync.WaitGroup
	send := func(one func(context.Context) error) {
		defer wg.Done()
		for ctx.Err() == nil {
			n.all.Add(1)
			wg.Add(1)
			go func() {
				defer wg.Done()
				rctx, rcancel := n.requestContext(ctx)
				defer rcancel()
				if one(rctx) == nil {
					n.ok.Add(1)
				}
			}()
			select {
			case <-ctx.Done():
			case <-time.After(50 * time.Millisecond):
			}
		}
	}
	wg.Add(2)
	go send(func(ctx context.Context) error { _, err := grpcSender.Send(ctx, 5, 0); return err })
	go send(func(ctx context.Context) error { return sendHTTP(ctx, "http://"+n.tg.HTTP+"/v1/logs", smallLogs()) })
	return func() {
		cancel()
		wg.Wait()
	}
}

// requestContext ends a normal request's retries at the attack's end plus
// settle; while the attack runs the deadline is not known yet, so the
// context is re-checked as it becomes known.
func (n *normalTraffic) requestContext(parent context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.WithoutCancel(parent))
	go func() {
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				if d := n.deadline.Load(); d != 0 && time.Now().UnixNano() > d {
					cancel()
					return
				}
			}
		}
	}()
	return ctx, cancel
}

func (n *normalTraffic) result() (ok, total int64) { return n.ok.Load(), n.all.Load() }
