package scrape

import "time"

// Deltas turns cumulative counters into deltas. The first value of a series
// is only a baseline; a value lower than the previous one means the counter
// was reset, so it becomes the new baseline: never a negative delta and
// never a spike. Series not seen in a whole scrape are forgotten by Sweep,
// and at most max series are tracked (new ones beyond it are not emitted,
// and counted in Dropped).
type Deltas struct {
	max     int
	series  map[string]*deltaSeries
	gen     uint64
	Dropped uint64 // series refused because the table was full
}

type deltaSeries struct {
	v    float64
	at   time.Time
	seen uint64
}

// NewDeltas tracks at most max series.
func NewDeltas(max int) *Deltas {
	return &Deltas{max: max, series: map[string]*deltaSeries{}}
}

// Observe records value v of series key at now and returns the delta since
// the previous value and the start of that window. ok is false for a
// baseline or a reset.
func (d *Deltas) Observe(key string, v float64, now time.Time) (delta float64, start time.Time, ok bool) {
	s, found := d.series[key]
	if !found {
		if len(d.series) >= d.max {
			d.Dropped++
			return 0, time.Time{}, false
		}
		d.series[key] = &deltaSeries{v: v, at: now, seen: d.gen}
		return 0, time.Time{}, false
	}
	prev, prevAt := s.v, s.at
	s.v, s.at, s.seen = v, now, d.gen
	if v < prev {
		return 0, time.Time{}, false
	}
	return v - prev, prevAt, true
}

// Reset forgets every series, so the next values are all baselines (used
// when a whole source was reset, e.g. pg_stat_reset).
func (d *Deltas) Reset() { clear(d.series) }

// Sweep forgets series not observed since the previous Sweep; call it at
// the end of every scrape.
func (d *Deltas) Sweep() {
	for k, s := range d.series {
		if s.seen != d.gen {
			delete(d.series, k)
		}
	}
	d.gen++
}

// Len is the number of tracked series.
func (d *Deltas) Len() int { return len(d.series) }
