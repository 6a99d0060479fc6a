package main

import (
	"runtime"
	"runtime/debug"

	"github.com/dbintel/dbintel/internal/config"
)

// runtimeConfig tunes the Go runtime for an agent that shares its host with
// a database: a heap kept close to what it holds, for a little more GC CPU.
// GOGC and GOMEMLIMIT in the environment win over these, as operators of Go
// programs expect.
type runtimeConfig struct {
	// GCPercent is GOGC: how far (in percent of the heap the last GC kept)
	// the heap may grow before the next GC. Go's default is 100.
	GCPercent int `yaml:"gc_percent"`
	// MemoryLimitMiB is GOMEMLIMIT, a soft limit on the runtime's memory:
	// near it the GC runs more often. 0: none. A limit below what the
	// scraper needs costs CPU (at worst half of it goes to GC), not a crash.
	MemoryLimitMiB int `yaml:"memory_limit_mib"`
}

// gcPercent: measured with BenchmarkScraperProcess (test/pgtest/overhead;
// 5,000 statements, 200 sessions): Go's default 100 keeps 18-20 MiB of
// anonymous memory at 0.4-0.5% of a core, 30 keeps 12-14 MiB at 0.6-0.7%.
const gcPercent = 30

func defaultRuntime() runtimeConfig { return runtimeConfig{GCPercent: gcPercent} }

func (r runtimeConfig) validate(p *config.Problems) {
	if r.GCPercent < 10 {
		p.Add("runtime.gc_percent", "must be at least 10 (lower spends most CPU on GC)")
	}
	if r.MemoryLimitMiB < 0 {
		p.Add("runtime.memory_limit_mib", "must not be negative (0: no limit)")
	}
}

// apply sets the GC target and limit unless the environment does, and
// switches heap profiling off when no pprof endpoint can serve it: its
// sampled stacks cost about 1.5 MiB that nobody reads.
func (r runtimeConfig) apply(getenv func(string) string, pprofEndpoint string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(r.GCPercent)
	}
	if getenv("GOMEMLIMIT") == "" && r.MemoryLimitMiB > 0 {
		debug.SetMemoryLimit(int64(r.MemoryLimitMiB) << 20)
	}
	if pprofEndpoint == "" {
		runtime.MemProfileRate = 0
	}
}
