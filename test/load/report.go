package load

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// row is one scenario's figures for one signal.
type row struct {
	scenario, signal string
	gen              genResult
	delivered        int
	cpu, rss         float64 // CPU-seconds during the run and drain; peak RSS MiB
	rssByMinute      []float64
	note             string
}

var scenarioNames = map[string]string{
	"direct":    "(a) loadgen → sink",
	"floor":     "(b) gateway, stages off, no compression",
	"default":   "(c) gateway, deploy/gateway.yaml",
	"durable":   "(c') the same, queue on disk (fsync: batch)",
	"steady":    "(c'') the same at half the (c) rate",
	"collector": "(d) Collector v0.165 mem+redaction+batch",
}

func table(k knobs, rows []row) string {
	var b strings.Builder
	fmt.Fprintf(&b, "load: %ds per run, %s workers on %s %s connections, rate %s req/s (0 = flat out), 1,000 items per request; gateway forwards over %s",
		k.seconds, k.workers, k.conns, k.protocol, k.rate, k.forward)
	if k.compression != "" {
		fmt.Fprintf(&b, " with %s", k.compression)
	}
	fmt.Fprintf(&b, "\n\n| scenario | signal | items/s accepted | delivered to sink | CPU-s per M items | peak RSS MiB | p50 ms | p99 ms | refused | note |\n|---|---|---|---|---|---|---|---|---|---|\n")
	for _, r := range rows {
		if r.gen.Seconds == 0 {
			fmt.Fprintf(&b, "| %s | %s | | | | | | | | %s |\n", r.scenario, r.signal, r.note)
			continue
		}
		cpu, rss := "–", "–"
		if r.rss > 0 && r.gen.Items > 0 {
			cpu = fmt.Sprintf("%.1f", r.cpu/float64(r.gen.Items)*1e6)
			rss = fmt.Sprintf("%.0f", r.rss)
		}
		sc, before := strings.CutPrefix(r.scenario, "base/")
		name := scenarioNames[sc]
		if base, variant, ok := strings.Cut(sc, ":"); ok {
			name = scenarioNames[base] + " forwarding " + strings.ReplaceAll(variant, ":", " over ")
		}
		if name == "" {
			name = sc
		}
		if before {
			name = "before: " + name
		}
		fmt.Fprintf(&b, "| %s | %s | %.0f | %d (%.0f%%) | %s | %s | %.1f | %.1f | %d | %s |\n",
			name, r.signal, float64(r.gen.Items)/r.gen.Seconds, r.delivered,
			100*float64(r.delivered)/float64(max(r.gen.Items, 1)), cpu, rss, r.gen.P50ms, r.gen.P99ms, r.gen.Refused, r.fullNote())
	}
	return b.String()
}

// machine describes where the figures were taken.
func machine() string {
	model := "unknown CPU"
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if v, ok := strings.CutPrefix(sc.Text(), "model name"); ok {
				model = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
				break
			}
		}
		f.Close()
	}
	load, _ := os.ReadFile("/proc/loadavg")
	return fmt.Sprintf("machine: %d CPUs (%s), %s, %s; load average before: %s", runtime.NumCPU(), model,
		runtime.GOOS+"/"+runtime.GOARCH, runtime.Version(), strings.Join(strings.Fields(string(load))[:3], " "))
}

// profile fetches a CPU profile of the default-config gateway over most of
// the run, then its heap and allocs, into DBINTEL_LOAD_PROFILE.
type profile struct{ done chan struct{} }

func (p profile) wait() {
	if p.done != nil {
		<-p.done
	}
}

func startProfile(t *testing.T, k knobs, scenario, signal string, tg target) profile {
	if k.profileDir == "" || scenario != "default" || tg.pprof == "" {
		return profile{}
	}
	p := profile{done: make(chan struct{})}
	secs := max(k.seconds-2, 1)
	go func() {
		defer close(p.done)
		time.Sleep(time.Second)
		for _, f := range []struct{ name, path string }{
			{"cpu", fmt.Sprintf("/debug/pprof/profile?seconds=%d", secs)},
			{"heap", "/debug/pprof/heap"},
			{"allocs", "/debug/pprof/allocs"},
		} {
			if err := fetch(tg.pprof+f.path, filepath.Join(k.profileDir, signal+"-"+f.name+".pprof")); err != nil {
				t.Errorf("pprof %s: %v", f.name, err)
			}
		}
	}()
	return p
}

func fetch(url, path string) error {
	resp, err := http.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", url, resp.Status)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// fullNote is the row's note, with the steady scenario's RSS by minute.
func (r row) fullNote() string {
	if len(r.rssByMinute) == 0 {
		return r.note
	}
	mins := make([]string, len(r.rssByMinute))
	for i, v := range r.rssByMinute {
		mins[i] = fmt.Sprintf("%.0f", v)
	}
	return strings.TrimSpace("RSS MiB, highest per minute: " + strings.Join(mins, " ") + " " + r.note)
}
