package overhead

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dbintel/dbintel/test/fakebackend"
	"github.com/dbintel/dbintel/test/harness"
)

// warmup covers start-up, the first run of every collector (jittered up to
// 5 s), the query-statistics baseline and the first full delta with its
// query-text fetch at about 60 s: what a restart costs, not the steady
// state. Its peak still shows in VmHWM.
const warmup = 70 * time.Second

// BenchmarkScraperProcess runs the real scraper binary with
// deploy/scraper.yaml (default intervals) against the prepared server while
// 20 of the 200 sessions are active and statements are replayed at 100/s,
// shipping to an OTLP/gRPC sink. Each iteration is one minute of the steady
// state (one query-statistics and tables run, six metrics runs, 60 session
// samples); it reports the process's CPU as a percentage of one core over
// those minutes, its resident set (largest and last VmRSS sampled each
// second, and the last split into anonymous and file-backed) and its peak
// VmHWM since start.
//
//	go test -run XXX -bench ScraperProcess -benchtime 1x ./test/pgtest/overhead/
func BenchmarkScraperProcess(b *testing.B) {
	p := prepare(b)
	bin := filepath.Join(b.TempDir(), "scraper")
	build := exec.Command("go", "build", "-o", bin, "./cmd/scraper")
	build.Dir = harness.Root()
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("go build ./cmd/scraper: %v\n%s", err, out)
	}
	sink := fakebackend.Start(b)
	sink.SetDiscard(true)
	ctx, cancel := context.WithCancel(context.Background())
	wait := p.drive(ctx, b, 20, 100)
	defer func() { cancel(); wait() }()

	metrics := harness.FreeAddr(b)
	proc := harness.Start(b, bin, map[string]string{
		"DBINTEL_POSTGRES_DSN":             p.srv.DSN(),
		"DBINTEL_POSTGRES_LOG_DIR":         "",
		"DBINTEL_MYSQL_DSN":                "",
		"DBINTEL_GATEWAY_ENDPOINT":         sink.GRPCAddr(),
		"DBINTEL_GATEWAYS":                 "",
		"DBINTEL_SCRAPER_METRICS_ENDPOINT": metrics,
		"DBINTEL_SCRAPER_HEALTH_ENDPOINT":  harness.FreeAddr(b),
	}, "--config", "deploy/scraper.yaml")
	pid := proc.Pid()
	time.Sleep(warmup)
	itemsBefore := sink.Items()
	// Clear the referenced bits, so that the file pages referenced again
	// are those the steady state uses.
	if err := os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("1"), 0); err != nil {
		b.Fatal(err)
	}
	cpuBefore := cpuSeconds(b, pid)
	b.ResetTimer()
	start := time.Now()
	var maxRSS, rss float64
	for i := 0; i < b.N; i++ {
		for s := 0; s < 60; s++ {
			time.Sleep(time.Second)
			rss = status(b, pid, "VmRSS")
			maxRSS = max(maxRSS, rss)
		}
	}
	b.StopTimer()
	cpu := (cpuSeconds(b, pid) - cpuBefore) / time.Since(start).Seconds()
	hwm, anon, file := status(b, pid, "VmHWM"), status(b, pid, "RssAnon"), status(b, pid, "RssFile")
	used := fileReferenced(b, pid)
	m := harness.ScrapeMetrics(b, "http://"+metrics+"/metrics")
	if n := m.Sum("dbintel_scrape_errors_total"); n > 0 {
		b.Errorf("%v collector runs failed", n)
	}
	if sink.Items() == itemsBefore {
		b.Fatal("the sink received nothing in the steady period")
	}
	if err := proc.Stop(15 * time.Second); err != nil {
		b.Errorf("scraper stop: %v", err)
	}
	b.ReportMetric(cpu*100, "cpu-%core")
	b.ReportMetric(maxRSS, "rss-max-MiB")
	b.ReportMetric(rss, "rss-last-MiB")
	b.ReportMetric(hwm, "vmhwm-MiB")
	// VmRSS = RssAnon (the process's own memory) + RssFile (clean pages of
	// the executable and libraries, shared with the page cache), of which
	// rss-file-used was touched in the steady state; the rest was mapped
	// during start-up (package initialisation, and the kernel's fault-around,
	// which maps cached neighbours of each page touched).
	b.ReportMetric(anon, "rss-anon-MiB")
	b.ReportMetric(file, "rss-file-MiB")
	b.ReportMetric(used, "rss-file-used-MiB")
	b.ReportMetric(float64(sink.Items()-itemsBefore)/float64(b.N), "items/min")
}

// cpuSeconds is utime+stime of pid from /proc/<pid>/stat (USER_HZ = 100 on
// every Linux architecture Go supports).
func cpuSeconds(b *testing.B, pid int) float64 {
	b.Helper()
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Fatal(err)
	}
	// The command name may hold spaces; the fields after ")" are fixed:
	// utime and stime are fields 14 and 15, f[11] and f[12] here.
	s := string(raw)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	ut, err1 := strconv.ParseFloat(f[11], 64)
	st, err2 := strconv.ParseFloat(f[12], 64)
	if err1 != nil || err2 != nil {
		b.Fatalf("/proc/%d/stat: %q", pid, s)
	}
	return (ut + st) / 100
}

// fileReferenced is how much of the file-backed resident set (MiB) was
// touched since the last clear_refs.
func fileReferenced(b *testing.B, pid int) float64 {
	b.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/smaps", pid))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	var kb float64
	file := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		switch {
		case len(fields) >= 5 && strings.Contains(fields[0], "-"): // a mapping's header
			file = len(fields) >= 6 && strings.HasPrefix(fields[5], "/")
		case file && fields[0] == "Referenced:":
			v, err := strconv.ParseFloat(fields[1], 64)
			if err != nil {
				b.Fatal(err)
			}
			kb += v
		}
	}
	if err := sc.Err(); err != nil {
		b.Fatal(err)
	}
	return kb / 1024
}

// status reads a kB field (VmRSS, VmHWM) of /proc/<pid>/status in MiB.
func status(b *testing.B, pid int, field string) float64 {
	b.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			if err != nil {
				b.Fatal(err)
			}
			return kb / 1024
		}
	}
	b.Fatalf("/proc/%d/status: no %s", pid, field)
	return 0
}
