package scrape

import "time"

// Deltas turns cumulative counters into deltas. The first value of a series
// is only a baseline; a value lower than the previous one means the counter
// was reset, so it becomes the new baseline: never a negative delta and
// never a spike. Series not seen in a whole scrape are forgotten by Sweep,
// and at most max series are tracked (new ones beyond it are not emitted,
// and counted in Dropped).
//
// Built by NewCounters with Cumulative, the same table passes every value
// through instead, with the start time of its series: OTLP's cumulative
// form, where a reset shows as a new start time.
type Deltas struct {
	max        int
	cumulative bool
	since      time.Time // start of series first seen (cumulative)
	series     map[string]*deltaSeries
	gen        uint64
	Dropped    uint64 // series refused because the table was full
}

type deltaSeries struct {
	v     float64
	at    time.Time
	start time.Time // cumulative only
	seen  uint64
}

// NewDeltas tracks at most max series and reports deltas.
func NewDeltas(max int) *Deltas {
	return &Deltas{max: max, series: map[string]*deltaSeries{}}
}

// NewCounters tracks at most max counter series sent with temporality t
// (Delta: as NewDeltas). Cumulative series start at since (the scraper's
// start, as the Collector receivers do) or at the observation before their
// last reset.
func NewCounters(max int, t Temporality, since time.Time) *Deltas {
	d := NewDeltas(max)
	d.cumulative = t != Delta
	d.since = since
	return d
}

// Observe records value v of series key at now. It returns the value to
// send (the delta since the previous value, or v itself for a cumulative
// table) and the start of its window. ok is false when there is nothing to
// send: a delta baseline or reset, or a series over the cap.
func (d *Deltas) Observe(key string, v float64, now time.Time) (value float64, start time.Time, ok bool) {
	s, found := d.series[key]
	if !found {
		if len(d.series) >= d.max {
			d.Dropped++
			return 0, time.Time{}, false
		}
		start := d.since
		if start.IsZero() || start.After(now) {
			start = now
		}
		d.series[key] = &deltaSeries{v: v, at: now, start: start, seen: d.gen}
		if d.cumulative {
			return v, start, true
		}
		return 0, time.Time{}, false
	}
	prev, prevAt := s.v, s.at
	s.v, s.at, s.seen = v, now, d.gen
	if d.cumulative {
		if v < prev {
			s.start = prevAt
		}
		return v, s.start, true
	}
	if v < prev {
		return 0, time.Time{}, false
	}
	return v - prev, prevAt, true
}

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
