package postgres

import (
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/dbintel/dbintel/pkg/scrape"
)

func ptr(v int64) *int64 { return &v }

func TestEmitDatabaseStatsDeltas(t *testing.T) {
	d := newCounters(deltaTarget(), 100)
	t0 := time.Unix(1_700_000_000, 0)
	scrapes := []struct {
		rows        []dbStats
		wantCommits map[string]float64 // absent = no point
	}{
		{rows: []dbStats{{name: "app", backends: 3, commits: 100, rollbacks: 1, size: ptr(8192)}, {name: "noaccess", commits: 5}}},
		{rows: []dbStats{{name: "app", backends: 4, commits: 130, rollbacks: 1, size: ptr(8192)}, {name: "noaccess", commits: 6}},
			wantCommits: map[string]float64{"app": 30, "noaccess": 1}},
		// pg_stat_reset on app: counters drop, so re-baseline: no point.
		{rows: []dbStats{{name: "app", backends: 4, commits: 2, size: ptr(8192)}, {name: "noaccess", commits: 6}},
			wantCommits: map[string]float64{"noaccess": 0}},
		{rows: []dbStats{{name: "app", backends: 4, commits: 12, size: ptr(8192)}},
			wantCommits: map[string]float64{"app": 10}},
	}
	for i, s := range scrapes {
		now := t0.Add(time.Duration(i) * 10 * time.Second)
		mb := scrape.NewMetricsBuilder(deltaTarget(), scopeName)
		emitDatabaseStats(&emitter{mb: mb, deltas: d, now: now, enabled: enabledMetrics(nil)}, s.rows)
		d.Sweep()
		md := mb.Metrics()
		commits := points(md, "postgresql.commits")
		if len(commits) != len(s.wantCommits) {
			t.Fatalf("scrape %d: %d commit points, want %d", i, len(commits), len(s.wantCommits))
		}
		for _, p := range commits {
			if want := s.wantCommits[p.attr("db.namespace")]; p.value() != want {
				t.Fatalf("scrape %d: commits{%s} = %v, want %v", i, p.attr("db.namespace"), p.value(), want)
			}
			if p.metric.Sum().AggregationTemporality() != pmetric.AggregationTemporalityDelta || !p.metric.Sum().IsMonotonic() {
				t.Fatal("commits is not a monotonic delta sum")
			}
			if got := p.dp.StartTimestamp().AsTime(); !got.Equal(now.Add(-10 * time.Second)) {
				t.Fatalf("delta start %v, want the previous scrape", got)
			}
		}
		if got := points(md, "postgresql.backends", "db.namespace", "app"); len(got) != 1 || got[0].metric.Unit() != "1" {
			t.Fatalf("scrape %d: backends{app} missing or wrong unit", i)
		}
		if got := points(md, "postgresql.db_size", "db.namespace", "noaccess"); len(got) != 0 {
			t.Fatal("db_size emitted for a database whose size is unknown")
		}
		if got := points(md, "postgresql.database.count"); len(got) != 1 || got[0].value() != float64(len(s.rows)) {
			t.Fatalf("database.count wrong")
		}
	}
}

// TestEmitDatabaseStatsCumulative: the default temporality sends the
// counters' running totals from the first scrape, each database under its
// own resource (postgresql.database.name) with db.namespace on the points,
// conflicts by type.
func TestEmitDatabaseStatsCumulative(t *testing.T) {
	tg := testTarget()
	since := time.Unix(1_600_000_000, 0)
	d := scrape.NewCounters(100, tg.Temporality, since)
	t0 := time.Unix(1_700_000_000, 0)
	for i, commits := range []int64{100, 130, 2} {
		now := t0.Add(time.Duration(i) * 10 * time.Second)
		mb := scrape.NewMetricsBuilder(tg, scopeName)
		row := dbStats{name: "app", commits: commits, conflicts: [5]int64{0, 3, 0, 0, 0}}
		emitDatabaseStats(&emitter{mb: mb, deltas: d, now: now, enabled: enabledMetrics(nil)}, []dbStats{row})
		d.Sweep()
		md := mb.Metrics()
		got := points(md, "postgresql.commits", "db.namespace", "app")
		if len(got) != 1 || got[0].value() != float64(commits) {
			t.Fatalf("scrape %d: commits %+v, want the running total %d", i, got, commits)
		}
		sum := got[0].metric.Sum()
		if sum.AggregationTemporality() != pmetric.AggregationTemporalityCumulative || !sum.IsMonotonic() {
			t.Fatal("commits is not a monotonic cumulative sum")
		}
		wantStart := since
		if i == 2 { // reset between the 2nd and 3rd scrape: a new start
			wantStart = t0.Add(10 * time.Second)
		}
		if s := got[0].dp.StartTimestamp().AsTime(); !s.Equal(wantStart) {
			t.Fatalf("scrape %d: start %v, want %v", i, s, wantStart)
		}
		rm := md.ResourceMetrics()
		var dbRes bool
		for j := 0; j < rm.Len(); j++ {
			if v, ok := rm.At(j).Resource().Attributes().Get("postgresql.database.name"); ok && v.Str() == "app" {
				dbRes = true
			}
		}
		if !dbRes {
			t.Fatal("no resource with postgresql.database.name = app")
		}
		if c := points(md, "postgresql.query.conflicts", "postgresql.conflict.type", "lock"); len(c) != 1 || c[0].value() != 3 {
			t.Fatalf("conflicts{lock} = %+v", c)
		}
		if c := points(md, "postgresql.query.conflicts"); len(c) != len(conflictTypes) {
			t.Fatalf("%d conflict series, want one per type", len(c))
		}
	}
}
