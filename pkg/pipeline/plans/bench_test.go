package plans

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"testing"
	"time"
)

// tokenWalk reads every token with encoding/json's Decoder.Token: the
// cheapest a Decoder-based walk could be, before any plan logic.
func tokenWalk(data []byte) error {
	d := json.NewDecoder(bytes.NewReader(data))
	for {
		if _, err := d.Token(); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
	}
}

// BenchmarkExtract5KB parses a real ~5 KB PostgreSQL plan (parallel
// aggregate, ANALYZE and BUFFERS) and reports plans/s, plus its cost as a
// ratio to json.Valid and to a bare Decoder.Token walk over the same bytes.
// The ratios come from rounds that interleave the three, so load from other
// processes hits all of them alike. (testing.Benchmark cannot be nested in
// a benchmark: it deadlocks.)
func BenchmarkExtract5KB(b *testing.B) {
	data := readTestdata(b, "pg_parallel.json")
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	cpu := cpuTime()
	for b.Loop() {
		if _, err := extract(data, testLimits); err != nil {
			b.Fatal(err)
		}
	}
	reportThroughput(b, b.N, cpuTime()-cpu)

	candidates := []func() bool{
		func() bool { _, err := extract(data, testLimits); return err == nil },
		func() bool { return json.Valid(data) },
		func() bool { return tokenWalk(data) == nil },
	}
	var spent [3]time.Duration
	k := max(1, b.N/50)
	for range 50 {
		for i, f := range candidates {
			start := time.Now()
			for range k {
				if !f() {
					b.Fatal("candidate failed")
				}
			}
			spent[i] += time.Since(start)
		}
	}
	b.ReportMetric(spent[0].Seconds()/spent[1].Seconds(), "x_json.Valid")
	b.ReportMetric(spent[0].Seconds()/spent[2].Seconds(), "x_Decoder.Token")
}

// BenchmarkProcess5KB is the whole stage per record: body copy, parse,
// attributes, change tracking.
func BenchmarkProcess5KB(b *testing.B) {
	data := string(readTestdata(b, "pg_parallel.json"))
	e := newTestExtractor(b, nil)
	const n = 100
	recs := make([]planRecord, n)
	for i := range recs {
		recs[i] = planRecord{body: data, queryID: "q1", event: true}
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(data) * n))
	var cpu time.Duration
	for b.Loop() {
		b.StopTimer()
		batch := planBatch("app", recs...)
		b.StartTimer()
		start := cpuTime()
		if _, err := e.Process(b.Context(), batch); err != nil {
			b.Fatal(err)
		}
		cpu += cpuTime() - start
	}
	reportThroughput(b, b.N*n, cpu)
}

// reportThroughput reports plans per wall-clock second and per CPU second
// (one core fully used), the latter unaffected by other processes.
func reportThroughput(b *testing.B, plans int, cpu time.Duration) {
	b.ReportMetric(float64(plans)/b.Elapsed().Seconds(), "plans/s")
	if cpu > 0 {
		b.ReportMetric(float64(plans)/cpu.Seconds(), "plans/cpu_s")
	}
}
