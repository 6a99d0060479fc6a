// Package overhead measures what the PostgreSQL scraper costs against a
// server with 5,000 distinct statements in pg_stat_statements and 200
// sessions: in process, the server-side time of its own statements and its
// CPU time per 10-second cycle (averaged over minutes of the default
// schedule); as the real binary, its CPU and resident memory
// (BenchmarkScraperProcess).
//
//	go test -run XXX -bench 'Overhead$' -benchtime 3x ./test/pgtest/overhead/
package overhead

import (
	"context"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dbintel/dbintel/internal/config"
	"github.com/dbintel/dbintel/pkg/scrape"
	"github.com/dbintel/dbintel/pkg/scrape/postgres"
)

const samplesPer = 10 // a 10 s cycle takes 10 session samples at 1 s

func BenchmarkOverhead(b *testing.B) {
	p := prepare(b)
	srv, setup := p.srv, p.setup
	ctx := context.Background()
	heapBefore := heapInUse()
	cfg := postgres.DefaultConfig()
	cfg.DSN = config.Secret(srv.DSN())
	target, _ := postgres.NewTarget(cfg, nil)
	collectors, closeFn, err := postgres.NewCollectors(cfg, target, nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer closeFn()
	byName := map[string]scrape.Collector{}
	for _, c := range collectors {
		byName[c.Name()] = c
	}
	now := time.Now()
	run := func(name string) {
		if _, err := byName[name].Collect(ctx, now); err != nil {
			b.Fatal(err)
		}
	}
	// One minute of the default schedule: metrics every 10 s, sessions
	// every second, tables and query statistics every 60 s.
	minute := func() {
		run("postgresql.tables")
		for c := 0; c < 6; c++ {
			run("postgresql.metrics")
			for i := 0; i < samplesPer; i++ {
				now = now.Add(time.Second)
				run("postgresql.sessions")
			}
		}
		run("postgresql.query_stats")
	}
	ownTime := func() float64 {
		var ms float64
		setup.QueryRow(ctx, "SELECT COALESCE(sum(total_exec_time + total_plan_time), 0) FROM pg_stat_statements WHERE query LIKE '%dbintel-scraper%'").Scan(&ms)
		return ms
	}
	ownTime() // its own entry exists before the baseline, like the workload's
	minute()  // baselines and the one full text fetch, as after a start
	serverBefore, cpuBefore := ownTime(), cpuTime()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		minute()
	}
	b.StopTimer()
	const cyclesPerMinute = 6
	serverMS := (ownTime() - serverBefore) / float64(b.N*cyclesPerMinute)
	if os.Getenv("OVERHEAD_DEBUG") != "" {
		rows, _ := setup.Query(ctx, "SELECT total_exec_time + total_plan_time, calls, left(regexp_replace(query, '\\s+', ' ', 'g'), 120) FROM pg_stat_statements WHERE query LIKE '%dbintel-scraper%' ORDER BY 1 DESC LIMIT 8")
		for rows.Next() {
			var ms float64
			var calls int64
			var q string
			rows.Scan(&ms, &calls, &q)
			b.Logf("%8.1f ms %5d calls %s", ms, calls, q)
		}
	}
	cpuMS := float64(cpuTime()-cpuBefore) / float64(time.Millisecond) / float64(b.N*cyclesPerMinute)
	b.ReportMetric(serverMS, "server-ms/cycle")
	b.ReportMetric(cpuMS, "cpu-ms/cycle")
	b.ReportMetric(serverMS/50, "server-budget-ratio") // target: < 50 ms per 10 s cycle
	b.ReportMetric(rssMiB(), "rss-MiB")
	// The scraper's own memory: heap held after GC, less what the benchmark
	// held before building the collectors (its 200 client connections).
	b.ReportMetric(float64(heapInUse()-heapBefore)/(1<<20), "scraper-heap-MiB")
	runtime.KeepAlive(collectors)
}

func heapInUse() int64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapInuse)
}

// cpuTime is this process's user+system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// rssMiB reads VmRSS; it includes the test binary and the 200 client
// connections of the benchmark itself, so it is an upper bound.
func rssMiB() float64 {
	data, _ := os.ReadFile("/proc/self/status")
	for _, l := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(l, "VmRSS:") {
			kb, _ := strconv.Atoi(strings.Fields(l)[1])
			return float64(kb) / 1024
		}
	}
	return 0
}
