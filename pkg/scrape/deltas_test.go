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
