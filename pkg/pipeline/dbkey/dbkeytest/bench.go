package dbkeytest

import (
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/dbintel/dbintel/pkg/pipeline"
)

// Clock is simulated time for stages that take a clock.
type Clock struct{ T time.Time }

// NewClock starts at a fixed instant.
func NewClock() *Clock { return &Clock{T: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)} }

// Now returns the simulated time.
func (c *Clock) Now() time.Time { return c.T }

// Add moves the clock on.
func (c *Clock) Add(d time.Duration) { c.T = c.T.Add(d) }

// Bench times process on a fresh batch per iteration (next builds it with
// the timer stopped) and reports items/s and allocs/item, the units the
// stages are compared in.
func Bench(b *testing.B, next func(i int) pipeline.Batch, process func(pipeline.Batch) (pipeline.Batch, error)) {
	b.Helper()
	var ms runtime.MemStats
	var items, mallocs uint64
	var elapsed time.Duration
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		batch := next(i)
		items += uint64(batch.Counts().Total())
		runtime.ReadMemStats(&ms)
		before := ms.Mallocs
		b.StartTimer()
		start := time.Now()
		if _, err := process(batch); err != nil {
			b.Fatal(err)
		}
		elapsed += time.Since(start)
		b.StopTimer()
		runtime.ReadMemStats(&ms)
		mallocs += ms.Mallocs - before
		b.StartTimer()
	}
	b.StopTimer()
	if items > 0 && elapsed > 0 {
		b.ReportMetric(float64(items)/elapsed.Seconds(), "items/s")
		b.ReportMetric(float64(mallocs)/float64(items), "allocs/item")
	}
}

// RealisticAt builds the i-th scrape interval of the realistic fleet:
// timestamps move 10 s per interval, so no item repeats an earlier one.
func RealisticAt(i int) pipeline.Batch { return RealisticFor(i, 0) }

// RealisticFor is RealisticAt for one of several senders, each with its
// own databases.
func RealisticFor(i, sender int) pipeline.Batch {
	s := Realistic
	s.TimestampNanos = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC).Add(time.Duration(i) * 10 * time.Second).UnixNano()
	s.FirstDatabase = sender * s.Databases
	return Batch(s)
}

// Scaling measures whether two receivers' batches proceed on two cores:
// each iteration processes two batches one after the other, then two others
// at once on two goroutines, and the benchmark reports "scaling", serial
// time over concurrent time: 2 when the stage lets them run in parallel, 1
// when one lock serialises them. Both halves run in every iteration, so
// load from other processes weighs on them alike. next builds the batch of
// iteration i for worker 0 or 1 (give the workers different sources).
func Scaling(b *testing.B, next func(i, worker int) pipeline.Batch, process func(pipeline.Batch) (pipeline.Batch, error)) {
	b.Helper()
	var serial, concurrent time.Duration
	run := func(bt pipeline.Batch) {
		if _, err := process(bt); err != nil {
			b.Error(err)
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		s0, s1 := next(4*i, 0), next(4*i+1, 1)
		c0, c1 := next(4*i+2, 0), next(4*i+3, 1)
		b.StartTimer()
		start := time.Now()
		run(s0)
		run(s1)
		serial += time.Since(start)
		start = time.Now()
		var wg sync.WaitGroup
		wg.Go(func() { run(c0) })
		run(c1)
		wg.Wait()
		concurrent += time.Since(start)
	}
	b.StopTimer()
	if concurrent > 0 {
		b.ReportMetric(float64(serial)/float64(concurrent), "scaling")
	}
}
