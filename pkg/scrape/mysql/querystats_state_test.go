package mysql

import (
	"testing"
	"time"
)

func row(digest string, calls, timerPS uint64, first time.Time) digestRow {
	return digestRow{key: digestKey{schema: "app", digest: digest}, c: digestCounters{calls: calls, timerPS: timerPS}, firstSeen: first}
}

func TestDigestTracker(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	t1 := t0.Add(time.Hour)
	steps := []struct {
		name  string
		rows  []digestRow
		want  map[string]uint64 // digest -> delta calls
		reset int
	}{
		{"baseline is silent", []digestRow{row("a", 10, 1e12, t0), row("b", 5, 1, t0)}, map[string]uint64{}, 0},
		{"delta", []digestRow{row("a", 15, 2e12, t0), row("b", 5, 1, t0)}, map[string]uint64{"a": 5}, 0},
		{"new row counts whole", []digestRow{row("a", 15, 2e12, t0), row("b", 5, 1, t0), row("c", 3, 9, t1)}, map[string]uint64{"c": 3}, 0},
		{"truncate: re-created rows count from zero", []digestRow{row("a", 2, 1, t1), row("c", 3, 9, t1)}, map[string]uint64{"a": 2}, 1},
		{"decrease within the same first_seen second counts from zero", []digestRow{row("a", 1, 0, t1), row("c", 4, 10, t1)}, map[string]uint64{"a": 1, "c": 1}, 1},
	}
	tr := newDigestTracker(100)
	for _, s := range steps {
		out, dropped, resets := tr.apply(s.rows)
		got := map[string]uint64{}
		for _, d := range out {
			got[d.key.digest] = d.d.calls
		}
		if len(got) != len(s.want) || dropped != 0 || resets != s.reset {
			t.Fatalf("%s: got %v resets %d, want %v resets %d", s.name, got, resets, s.want, s.reset)
		}
		for k, v := range s.want {
			if got[k] != v {
				t.Fatalf("%s: %s = %d, want %d", s.name, k, got[k], v)
			}
		}
	}
	if tr.state[digestKey{"app", "b"}] != nil {
		t.Error("a row gone from the table must be forgotten")
	}
}

func TestDigestTrackerBounded(t *testing.T) {
	t0 := time.Now()
	tr := newDigestTracker(2)
	tr.apply([]digestRow{row("a", 1, 1, t0), row("b", 1, 1, t0)})
	out, dropped, _ := tr.apply([]digestRow{row("a", 2, 2, t0), row("b", 1, 1, t0), row("c", 9, 9, t0)})
	if dropped != 1 || len(out) != 1 || len(tr.state) != 2 {
		t.Fatalf("out %v dropped %d state %d", out, dropped, len(tr.state))
	}
	// After an overflow, unknown rows are baselines, not whole counts.
	out, _, _ = tr.apply([]digestRow{row("a", 2, 2, t0), row("c", 9, 9, t0)})
	if len(out) != 0 {
		t.Fatalf("after overflow: %v", out)
	}
}

func TestPicosecondsToSeconds(t *testing.T) {
	if got := psToS(200_000_000_000); got != 0.2 {
		t.Fatalf("psToS(2e11) = %v, want 0.2", got)
	}
}

func TestTopDigests(t *testing.T) {
	ds := []digestDelta{{key: digestKey{"", "x"}, d: digestCounters{timerPS: 1}}, {key: digestKey{"", "y"}, d: digestCounters{timerPS: 3}},
		{key: digestKey{"", "z"}, d: digestCounters{timerPS: 2}}}
	top := topDigests(ds, 2)
	if len(top) != 2 || top[0].key.digest != "y" || top[1].key.digest != "z" {
		t.Fatalf("top = %v", top)
	}
}
