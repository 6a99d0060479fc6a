package dbkeytest

import (
	"runtime"
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
func RealisticAt(i int) pipeline.Batch {
	s := Realistic
	s.TimestampNanos = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC).Add(time.Duration(i) * 10 * time.Second).UnixNano()
	return Batch(s)
}
