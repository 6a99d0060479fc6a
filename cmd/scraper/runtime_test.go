package main

import (
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

// The config sets the GC target and limit unless GOGC / GOMEMLIMIT are in
// the environment; heap profiling is off without a pprof endpoint.
func TestRuntimeApply(t *testing.T) {
	rate := runtime.MemProfileRate
	t.Cleanup(func() {
		debug.SetGCPercent(100)
		debug.SetMemoryLimit(1<<63 - 1)
		runtime.MemProfileRate = rate
	})
	r := runtimeConfig{GCPercent: 40, MemoryLimitMiB: 64}
	r.apply(func(string) string { return "" }, "127.0.0.1:0")
	if got := debug.SetGCPercent(100); got != 40 {
		t.Errorf("GC percent %d, want 40", got)
	}
	if got := debug.SetMemoryLimit(-1); got != 64<<20 {
		t.Errorf("memory limit %d, want %d", got, 64<<20)
	}
	if runtime.MemProfileRate != rate {
		t.Errorf("heap profiling changed with a pprof endpoint: rate %d", runtime.MemProfileRate)
	}
	debug.SetMemoryLimit(1<<63 - 1)
	env := map[string]string{"GOGC": "200", "GOMEMLIMIT": "1GiB"}
	r.apply(func(k string) string { return env[k] }, "")
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("GC percent %d: GOGC in the environment must win", got)
	}
	if got := debug.SetMemoryLimit(-1); got != 1<<63-1 {
		t.Errorf("memory limit %d: GOMEMLIMIT in the environment must win", got)
	}
	if runtime.MemProfileRate != 0 {
		t.Errorf("heap profiling on without a pprof endpoint: rate %d", runtime.MemProfileRate)
	}
}

func TestRuntimeProblems(t *testing.T) {
	_, err := parse(t, "postgres: {dsn: \"postgres://mon@db1:5432/postgres\"}\nruntime: {gc_percent: 5, memory_limit_mib: -1}\n")
	for _, want := range []string{"runtime.gc_percent", "runtime.memory_limit_mib"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("want a problem at %s, got %v", want, err)
		}
	}
}
