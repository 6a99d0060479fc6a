package scrape

import (
	"testing"
	"time"
)

func TestDeltas(t *testing.T) {
	t0 := time.Unix(1000, 0)
	type obs struct {
		key    string
		v      float64
		want   float64
		wantOK bool
		sweep  bool
	}
	steps := []obs{
		{key: "a", v: 10, wantOK: false},             // baseline
		{key: "a", v: 15, want: 5, wantOK: true},     // delta
		{key: "a", v: 15, want: 0, wantOK: true},     // idle
		{key: "a", v: 3, wantOK: false},              // reset: re-baseline, no negative
		{key: "a", v: 7, want: 4, wantOK: true},      // after reset
		{key: "b", v: 1, wantOK: false, sweep: true}, // b baseline, then a and b swept
		{key: "b", v: 2, want: 1, wantOK: true, sweep: true},
		{key: "a", v: 100, wantOK: false}, // a was forgotten by the second sweep: baseline, no spike
	}
	d := NewDeltas(10)
	for i, s := range steps {
		now := t0.Add(time.Duration(i) * time.Second)
		got, start, ok := d.Observe(s.key, s.v, now)
		if ok != s.wantOK || got != s.want {
			t.Fatalf("step %d (%s=%v): got %v ok=%v, want %v ok=%v", i, s.key, s.v, got, ok, s.want, s.wantOK)
		}
		if ok && !start.Equal(now.Add(-time.Second)) {
			t.Fatalf("step %d: start %v, want previous observation", i, start)
		}
		if s.sweep {
			d.Sweep()
		}
	}
}

func TestDeltasBounded(t *testing.T) {
	d := NewDeltas(2)
	now := time.Now()
	for _, k := range []string{"a", "b", "c"} {
		d.Observe(k, 1, now)
	}
	if d.Len() != 2 || d.Dropped != 1 {
		t.Fatalf("len=%d dropped=%d, want 2 and 1", d.Len(), d.Dropped)
	}
	if _, _, ok := d.Observe("c", 5, now); ok {
		t.Fatal("series over the cap produced a delta")
	}
}

func TestCountersCumulative(t *testing.T) {
	since := time.Unix(900, 0)
	t0 := time.Unix(1000, 0)
	d := NewCounters(10, Cumulative, since)
	steps := []struct {
		v         float64
		wantStart time.Time
	}{
		{10, since},                  // first value is sent at once, from the scraper's start
		{15, since},                  // the running total, same start
		{3, t0.Add(2 * time.Second)}, // reset: new start (the observation before it)
		{7, t0.Add(2 * time.Second)}, // counts from the reset
	}
	for i, s := range steps {
		got, start, ok := d.Observe("a", s.v, t0.Add(time.Duration(i+1)*time.Second))
		if !ok || got != s.v || !start.Equal(s.wantStart) {
			t.Fatalf("step %d: got %v start %v ok=%v, want %v start %v", i, got, start, ok, s.v, s.wantStart)
		}
	}
	// A series first seen before the table's start cannot start after its point.
	late := NewCounters(10, Cumulative, t0.Add(time.Hour))
	if _, start, _ := late.Observe("a", 1, t0); !start.Equal(t0) {
		t.Fatalf("start %v after the point %v", start, t0)
	}
	full := NewCounters(1, Cumulative, since)
	full.Observe("a", 1, t0)
	if _, _, ok := full.Observe("b", 1, t0); ok || full.Dropped != 1 {
		t.Fatal("series over the cap emitted")
	}
}

func TestCountersDeltaIsDeltas(t *testing.T) {
	d := NewCounters(10, Delta, time.Unix(1, 0))
	t0 := time.Unix(1000, 0)
	if _, _, ok := d.Observe("a", 10, t0); ok {
		t.Fatal("delta baseline emitted")
	}
	if v, start, ok := d.Observe("a", 12, t0.Add(time.Second)); !ok || v != 2 || !start.Equal(t0) {
		t.Fatalf("delta = %v from %v ok=%v, want 2 from %v", v, start, ok, t0)
	}
}
