package postgres

import "testing"

func row(qid int64, calls int64, execMS float64) stmtRow {
	return stmtRow{key: stmtKey{userid: 10, dbid: 5, queryid: qid, toplevel: true}, datname: "app", rolname: "alice",
		c: stmtCounters{calls: calls, execMS: execMS, rows: calls}}
}

func TestStmtTracker(t *testing.T) {
	own := func(k stmtKey) bool { return k.queryid == 99 }
	steps := []struct {
		name  string
		rows  []stmtRow
		want  map[int64]int64 // queryid -> calls delta
		reset bool
	}{
		{"baseline is silent", []stmtRow{row(1, 10, 5), row(99, 3, 1)}, map[int64]int64{}, false},
		{"delta and new entry in full", []stmtRow{row(1, 110, 50), row(2, 100, 10), row(99, 9, 2)}, map[int64]int64{1: 100, 2: 100}, false},
		{"idle entries emit nothing", []stmtRow{row(1, 110, 50), row(2, 100, 10)}, map[int64]int64{}, false},
		{"decrease re-baselines", []stmtRow{row(1, 4, 1), row(2, 105, 11)}, map[int64]int64{2: 5}, false},
		{"after re-baseline", []stmtRow{row(1, 6, 2), row(2, 105, 11)}, map[int64]int64{1: 2}, false},
		{"view reset: baseline again", []stmtRow{row(1, 1, 1), row(3, 50, 1)}, map[int64]int64{}, true},
		{"after view reset", []stmtRow{row(1, 2, 2), row(3, 51, 2)}, map[int64]int64{1: 1, 3: 1}, false},
	}
	tr := newStmtTracker(100)
	for _, s := range steps {
		if s.reset {
			tr.reset()
		}
		out, _ := tr.apply(s.rows, own)
		got := map[int64]int64{}
		for _, d := range out {
			if d.d.calls < 0 || d.d.execMS < 0 {
				t.Fatalf("%s: negative delta %+v", s.name, d.d)
			}
			got[d.key.queryid] = d.d.calls
		}
		if len(got) != len(s.want) {
			t.Fatalf("%s: got %v, want %v", s.name, got, s.want)
		}
		for k, v := range s.want {
			if got[k] != v {
				t.Fatalf("%s: got %v, want %v", s.name, got, s.want)
			}
		}
	}
}

func TestStmtTrackerOverflowNeverSpikes(t *testing.T) {
	tr := newStmtTracker(2)
	tr.apply([]stmtRow{row(1, 1, 1), row(2, 1, 1), row(3, 1000, 1)}, func(stmtKey) bool { return false })
	// Entry 2 disappears, freeing room: entry 3 was not tracked during an
	// overflowing scrape, so its 1000 historic calls must not be emitted.
	out, _ := tr.apply([]stmtRow{row(1, 2, 2), row(3, 1001, 2)}, func(stmtKey) bool { return false })
	for _, d := range out {
		if d.key.queryid == 3 {
			t.Fatalf("untracked entry emitted as new: %+v", d.d)
		}
	}
	// Room is made only when the sweep of that scrape dropped entry 2; entry
	// 3 is then a baseline, and counts from the scrape after.
	for _, want := range []int{0, 1} {
		out, _ = tr.apply([]stmtRow{row(1, 2, 2), row(3, int64(1003+want), 3)}, func(stmtKey) bool { return false })
		if len(out) != want {
			t.Fatalf("tracked entry after overflow: %+v, want %d deltas", out, want)
		}
	}
	if out[0].d.calls != 1 {
		t.Fatalf("tracked entry after overflow: %+v", out)
	}
}

func TestTopN(t *testing.T) {
	ds := []stmtDelta{{key: stmtKey{queryid: 1}, d: stmtCounters{execMS: 1}}, {key: stmtKey{queryid: 2}, d: stmtCounters{execMS: 5, planMS: 1}},
		{key: stmtKey{queryid: 3}, d: stmtCounters{execMS: 3}}}
	top := topN(ds, 2)
	if len(top) != 2 || top[0].key.queryid != 2 || top[1].key.queryid != 3 {
		t.Fatalf("topN = %+v", top)
	}
}
