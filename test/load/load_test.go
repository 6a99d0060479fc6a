// Package load is the load harness (make loadtest): cmd/loadgen against a
// counting sink directly, through the gateway with every stage off, through
// the gateway with deploy/gateway.yaml, and through an OpenTelemetry
// Collector, side by side in one invocation. It runs only with
// DBINTEL_LOAD=1; see docs/performance.md for the knobs and the figures.
package load

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dbintel/dbintel/internal/grpczstd"
	"github.com/dbintel/dbintel/test/fakebackend"
	"github.com/dbintel/dbintel/test/harness"
)

func TestLoad(t *testing.T) {
	if os.Getenv("DBINTEL_LOAD") != "1" {
		t.Skip("load harness: run with DBINTEL_LOAD=1 (make loadtest)")
	}
	grpczstd.Register() // the sink accepts zstd over gRPC, as New Relic does
	k := readKnobs()
	loadgen := filepath.Join(t.TempDir(), "loadgen")
	if out, err := exec.Command("go", "build", "-o", loadgen, "./cmd/loadgen").CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/loadgen: %v\n%s", err, out)
	}
	var collector string
	var collectorErr error
	for _, sc := range k.scenarios {
		if sc == "collector" {
			t0 := time.Now()
			collector, collectorErr = buildCollector(harness.Root(), 15*time.Minute)
			t.Logf("collector build: %s (%v)", time.Since(t0).Round(time.Second), collectorErr)
		}
	}
	var rows []row
	for _, signal := range k.signals {
		flatOut := 0.0 // items/s the default scenario accepted, for steady
		for _, sc := range k.scenarios {
			r := row{scenario: sc, signal: signal}
			kk := k
			if sc == "steady" {
				kk.rate = fmt.Sprintf("%.2f", flatOut/2/itemsPerRequest)
				kk.seconds = k.steadySeconds
			}
			switch {
			case sc == "collector" && collectorErr != nil:
				r.note = "not measured: build failed: " + firstLine(collectorErr.Error())
			case sc == "steady" && flatOut == 0:
				r.note = "not measured: steady runs at half the rate of a default row before it"
			default:
				t.Run(signal+"/"+sc, func(t *testing.T) { r = measure(t, kk, loadgen, collector, sc, signal) })
			}
			if sc == "default" && r.gen.Seconds > 0 {
				flatOut = float64(r.gen.Items) / r.gen.Seconds
			}
			rows = append(rows, r)
		}
	}
	fmt.Print(machine(), "\n", table(k, rows))
}

// measure runs one scenario for one signal: sink, target, generator, drain.
func measure(t *testing.T, k knobs, loadgen, collector, scenario, signal string) row {
	sink := fakebackend.Start(t)
	sink.SetDiscard(true)
	tg := startTarget(t, k, scenario, collector, sink)
	cpu0 := 0.0
	if tg.pid > 0 {
		cpu0 = must(t)(cpuSeconds(tg.pid))
	}
	target := tg.grpc
	if k.protocol == "http" {
		target = "http://" + tg.http
	}
	prof := startProfile(t, k, scenario, signal, tg)
	var rss rssSampler
	if scenario == "steady" {
		rss = sampleRSS(tg.pid, 5*time.Second)
	}
	cmd := exec.Command(loadgen, "-target", target, "-protocol", k.protocol, "-signal", signal,
		"-conns", k.conns, "-workers", k.workers, "-rate", k.rate, "-duration", strconv.Itoa(k.seconds)+"s",
		"-items", strconv.Itoa(itemsPerRequest))
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("loadgen: %v", err)
	}
	var g genResult
	if err := json.Unmarshal(out, &g); err != nil {
		t.Fatalf("loadgen output %q: %v", out, err)
	}
	byMinute := rss.stop()
	delivered := drain(sink)
	prof.wait()
	r := row{scenario: scenario, signal: signal, gen: g, delivered: delivered, rssByMinute: byMinute}
	if scenario == "steady" {
		r.note = fmt.Sprintf("(%s req/s for %d s)", k.rate, k.seconds)
	}
	if tg.pid > 0 {
		r.cpu = must(t)(cpuSeconds(tg.pid)) - cpu0
		r.rss = must(t)(peakRSSMiB(tg.pid))
	}
	if g.Errors > 0 {
		r.note = fmt.Sprintf("%d errors, first: %s", g.Errors, g.FirstError)
	}
	tg.stop()
	return r
}

// itemsPerRequest is what every generated request carries (-items): the
// steady scenario turns items/s into requests/s with it.
const itemsPerRequest = 1000

// rssSampler reads a process's VmRSS every interval until stopped.
type rssSampler struct {
	stopc chan struct{}
	done  chan []float64
}

func sampleRSS(pid int, every time.Duration) rssSampler {
	s := rssSampler{stopc: make(chan struct{}), done: make(chan []float64, 1)}
	go func() {
		var byMinute []float64
		start := time.Now()
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			select {
			case <-s.stopc:
				s.done <- byMinute
				return
			case now := <-tick.C:
				v, err := rssMiB(pid)
				if err != nil {
					continue
				}
				m := int(now.Sub(start) / time.Minute)
				for len(byMinute) <= m {
					byMinute = append(byMinute, 0)
				}
				byMinute[m] = max(byMinute[m], v)
			}
		}
	}()
	return s
}

// stop ends the sampling and returns the highest VmRSS of each minute; nil
// if none was started.
func (s rssSampler) stop() []float64 {
	if s.stopc == nil {
		return nil
	}
	close(s.stopc)
	return <-s.done
}

// drain waits until the sink's count has stood still for a second (the
// gateway's queue is empty), at most 20 s, and returns it.
func drain(sink *fakebackend.Backend) int {
	last, still := sink.Items(), 0
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline) && still < 10; {
		time.Sleep(100 * time.Millisecond)
		if n := sink.Items(); n != last {
			last, still = n, 0
		} else {
			still++
		}
	}
	return last
}

func must(t *testing.T) func(float64, error) float64 {
	return func(v float64, err error) float64 {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}
