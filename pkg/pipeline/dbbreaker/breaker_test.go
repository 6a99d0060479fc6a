package dbbreaker

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/dbintel/dbintel/pkg/contract"
	"github.com/dbintel/dbintel/pkg/pipeline"
	"github.com/dbintel/dbintel/pkg/pipeline/dbkey/dbkeytest"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time      { return c.t }
func (c *clock) add(d time.Duration) { c.t = c.t.Add(d) }

func newBreaker(t testing.TB, cfg Config, reg prometheus.Registerer) (*Breaker, *clock) {
	t.Helper()
	clk := &clock{t: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)}
	b, err := New(cfg, reg, nil, clk.now)
	if err != nil {
		t.Fatal(err)
	}
	return b, clk
}

// traffic is one step of one source: query-level events, per-query points
// (over a fixed set of query ids, so no new series after the first step)
// and infrastructure points.
type traffic struct{ db, events, queryPoints, infraPoints int }

func build(steps ...traffic) pipeline.Batch {
	b := pipeline.NewBatch()
	for _, s := range steps {
		rl := b.Logs.ResourceLogs().AppendEmpty()
		dbkeytest.Resource(rl.Resource(), s.db)
		lrs := rl.ScopeLogs().AppendEmpty().LogRecords()
		for range s.events {
			lrs.AppendEmpty().SetEventName(contract.EventQuerySample)
		}
		rm := b.Metrics.ResourceMetrics().AppendEmpty()
		dbkeytest.Resource(rm.Resource(), s.db)
		ms := rm.ScopeMetrics().AppendEmpty().Metrics()
		q := ms.AppendEmpty()
		q.SetName("db.server.query.duration")
		qd := q.SetEmptySum().DataPoints()
		for i := range s.queryPoints {
			p := qd.AppendEmpty()
			p.Attributes().PutStr(contract.PGQueryID, fmt.Sprint(i))
			p.SetDoubleValue(1)
		}
		in := ms.AppendEmpty()
		in.SetName("postgresql.backends")
		id := in.SetEmptyGauge().DataPoints()
		for i := range s.infraPoints {
			id.AppendEmpty().Attributes().PutInt("i", int64(i))
		}
	}
	return b
}

// outcome counts what left the stage per source and the breaker records.
type outcome struct {
	queryLevel, infra map[string]int
	events            []plog.LogRecord
}

func count(b pipeline.Batch) outcome {
	o := outcome{queryLevel: map[string]int{}, infra: map[string]int{}}
	for _, rl := range b.Logs.ResourceLogs().All() {
		addr, _ := rl.Resource().Attributes().Get(contract.AttrServerAddress)
		for _, sl := range rl.ScopeLogs().All() {
			for _, lr := range sl.LogRecords().All() {
				if lr.EventName() == contract.EventBreaker {
					o.events = append(o.events, lr)
				} else {
					o.queryLevel[addr.Str()]++
				}
			}
		}
	}
	for _, rm := range b.Metrics.ResourceMetrics().All() {
		addr, _ := rm.Resource().Attributes().Get(contract.AttrServerAddress)
		for _, sm := range rm.ScopeMetrics().All() {
			for _, m := range sm.Metrics().All() {
				switch m.Type() {
				case pmetric.MetricTypeSum:
					o.queryLevel[addr.Str()] += m.Sum().DataPoints().Len()
				case pmetric.MetricTypeGauge:
					o.infra[addr.Str()] += m.Gauge().DataPoints().Len()
				}
			}
		}
	}
	return o
}

func TestFloodingSourceIsShedAndRecovers(t *testing.T) {
	cfg := DefaultConfig()
	cfg.VolumePerMinute = 600 // 100 per 10 s interval
	cfg.NewSeriesPerMinute = 0
	reg := prometheus.NewPedanticRegistry()
	br, clk := newBreaker(t, cfg, reg)

	// Normal: 5 query-level items a second (half the budget). Flood: 50x
	// the budget. One batch per simulated second; the flood lasts 60 s.
	normal := func(db int) traffic { return traffic{db: db, events: 3, queryPoints: 2, infraPoints: 4} }
	flood := traffic{db: 0, events: 400, queryPoints: 100, infraPoints: 4}
	var events []plog.LogRecord
	var floodQueryOut, othersIn, othersOut, infraIn, infraOut int
	for sec := range 300 {
		src0 := normal(0)
		if sec < 60 {
			src0 = flood
		}
		b := build(src0, normal(1), normal(2))
		othersIn += 2 * 5
		infraIn += 3 * 4
		out, err := br.Process(context.Background(), b)
		if err != nil {
			t.Fatal(err)
		}
		o := count(out)
		events = append(events, o.events...)
		if sec >= 10 && sec < 60 {
			floodQueryOut += o.queryLevel["db0.internal"]
		}
		othersOut += o.queryLevel["db1.internal"] + o.queryLevel["db2.internal"]
		infraOut += o.infra["db0.internal"] + o.infra["db1.internal"] + o.infra["db2.internal"]
		clk.add(time.Second)
	}
	if othersOut != othersIn {
		t.Errorf("normal sources: %d of %d query-level items arrived", othersOut, othersIn)
	}
	if infraOut != infraIn {
		t.Errorf("infrastructure points: %d of %d arrived", infraOut, infraIn)
	}
	// Open from the first second (the flood exceeds the interval's budget at
	// once) until 30 s, re-opened for 60 s when the half-open probe meets
	// the flood again, then quiet: the only query-level data let through
	// during the flood after the first 10 s is the half-open second.
	t.Logf("flooding source: %d query-level items passed in seconds 10-59 (offered %d)", floodQueryOut, 50*500)
	if floodQueryOut > 500 {
		t.Errorf("flooding source let %d query-level items through during the flood", floodQueryOut)
	}
	type tr struct{ from, to, reason string }
	want := []tr{
		{"closed", "open", "volume"},
		{"open", "half-open", "timeout"},
		{"half-open", "open", "volume"},
		{"open", "half-open", "timeout"},
		{"half-open", "closed", "healthy"},
	}
	if len(events) != len(want) {
		t.Fatalf("got %d dbintel.breaker records, want %d", len(events), len(want))
	}
	for i, ev := range events {
		a := ev.Attributes().AsRaw()
		got := tr{a[contract.AttrBreakerFrom].(string), a[contract.AttrBreakerTo].(string), a[contract.AttrBreakerReason].(string)}
		if got != want[i] || a[contract.AttrBreakerKey] != "postgresql://db0.internal:5432" {
			t.Errorf("record %d: %v key %v, want %v", i, got, a[contract.AttrBreakerKey], want[i])
		}
	}
	// The second trip stays open twice as long as the first.
	first, _ := events[0].Attributes().Get(contract.AttrBreakerOpenSeconds)
	second, _ := events[2].Attributes().Get(contract.AttrBreakerOpenSeconds)
	if first.Double() != 30 || second.Double() != 60 {
		t.Errorf("open periods %v s then %v s, want 30 then 60", first.Double(), second.Double())
	}
	if n := testutil.CollectAndCount(br.m.transitions); n != 4 {
		t.Errorf("%d transition series, want 4", n)
	}
	for w, n := range map[tr]float64{want[0]: 1, want[1]: 2, want[2]: 1, want[4]: 1} {
		if got := testutil.ToFloat64(br.m.transitions.WithLabelValues(w.from, w.to, w.reason)); got != n {
			t.Errorf("transitions %v = %v, want %v", w, got, n)
		}
	}
	if got := testutil.ToFloat64(br.m.events); got != 5 {
		t.Errorf("events counter %v, want 5", got)
	}
	if got := testutil.ToFloat64(br.m.state.WithLabelValues("postgresql://db0.internal:5432")); got != 0 {
		t.Errorf("state gauge %v, want 0 (closed)", got)
	}
}

func TestExportFailuresTrip(t *testing.T) {
	cfg := DefaultConfig()
	cfg.ExportFailuresPerInterval = 10
	br, clk := newBreaker(t, cfg, nil)
	br.ExportFailed(build(traffic{db: 1, events: 50}), "unauthorized") // the gateway's fault: ignored
	failed := build(traffic{db: 1, events: 8})
	br.ExportFailed(failed, "invalid_argument")
	clk.add(time.Second)
	out, err := br.Process(context.Background(), build(traffic{db: 1, events: 5, infraPoints: 2}))
	if err != nil {
		t.Fatal(err)
	}
	if o := count(out); o.queryLevel["db1.internal"] != 5 || len(o.events) != 0 {
		t.Fatalf("below the failure budget: %+v", o)
	}
	br.ExportFailed(build(traffic{db: 1, events: 3}), "invalid_argument")
	out, err = br.Process(context.Background(), build(traffic{db: 1, events: 5, infraPoints: 2}))
	if err != nil {
		t.Fatal(err)
	}
	o := count(out)
	if o.queryLevel["db1.internal"] != 0 || o.infra["db1.internal"] != 2 {
		t.Fatalf("after trip: %+v", o)
	}
	if len(o.events) != 1 {
		t.Fatalf("%d records, want 1", len(o.events))
	}
	a := o.events[0].Attributes().AsRaw()
	if a[contract.AttrBreakerReason] != ReasonExportFailure || a[contract.AttrBreakerDetail] != "invalid_argument" || a[contract.AttrBreakerTo] != "open" ||
		a[contract.AttrEventName] != contract.EventBreaker {
		t.Fatalf("record attributes %v", a)
	}
	// The source's entity attributes, so New Relic attaches the event to it,
	// in the gateway's scope.
	rl := out.Logs.ResourceLogs().At(out.Logs.ResourceLogs().Len() - 1)
	res := rl.Resource().Attributes().AsRaw()
	if res[contract.AttrServerAddress] != "db1.internal" || res[contract.AttrDBSystem] != "postgresql" ||
		res[contract.AttrServiceInstanceID] != "db1.internal:5432" || rl.ScopeLogs().At(0).Scope().Name() != contract.ScopeGateway {
		t.Fatalf("record resource %v, scope %q", res, rl.ScopeLogs().At(0).Scope().Name())
	}
}

func TestNewSeriesTrip(t *testing.T) {
	cfg := DefaultConfig()
	cfg.NewSeriesPerMinute = 60 // 10 per interval
	br, clk := newBreaker(t, cfg, nil)
	for range 5 { // the same 10 series again and again: healthy
		if _, err := br.Process(context.Background(), build(traffic{db: 0, queryPoints: 10})); err != nil {
			t.Fatal(err)
		}
		clk.add(time.Second)
	}
	if got := br.keys.Len(); got != 1 {
		t.Fatalf("keys %d", got)
	}
	k, _ := br.keys.Get("postgresql://db0.internal:5432")
	if k.state.String() != "closed" {
		t.Fatalf("state %s after known series", k.state)
	}
	clk.add(10 * time.Second) // a fresh interval
	out, err := br.Process(context.Background(), build(traffic{db: 0, queryPoints: 30}))
	if err != nil {
		t.Fatal(err)
	}
	o := count(out)
	if len(o.events) != 1 || o.events[0].Attributes().AsRaw()[contract.AttrBreakerReason] != ReasonCardinality {
		t.Fatalf("want one cardinality trip, got %+v", o)
	}
	// The 10 known series and the 11 new ones up to the trip pass; the rest
	// of the batch is shed.
	if o.queryLevel["db0.internal"] != 21 {
		t.Fatalf("%d per-query points passed, want 21", o.queryLevel["db0.internal"])
	}
}

func TestOpenTimeoutDoublesAndResets(t *testing.T) {
	cfg := DefaultConfig()
	cfg.OpenTimeout = 10 * time.Second
	cfg.MaxOpenTimeout = 50 * time.Second
	br, _ := newBreaker(t, cfg, nil)
	for trips, want := range map[int]time.Duration{1: 10 * time.Second, 2: 20 * time.Second, 3: 40 * time.Second, 4: 50 * time.Second, 10: 50 * time.Second} {
		if got := br.openTimeout(trips); got != want {
			t.Errorf("trip %d: %s, want %s", trips, got, want)
		}
	}

	// Through the stage: trip, recover, stay healthy for reset_after, trip
	// again: back to the first timeout.
	cfg.VolumePerMinute = 60
	cfg.ResetAfter = time.Minute
	br, clk := newBreaker(t, cfg, nil)
	trip := func() float64 {
		t.Helper()
		out, err := br.Process(context.Background(), build(traffic{db: 0, events: 50}))
		if err != nil {
			t.Fatal(err)
		}
		o := count(out)
		if len(o.events) != 1 {
			t.Fatalf("%d records, want 1", len(o.events))
		}
		v, _ := o.events[0].Attributes().Get(contract.AttrBreakerOpenSeconds)
		return v.Double()
	}
	quietUntilClosed := func() {
		t.Helper()
		for range 200 {
			clk.add(time.Second)
			if _, err := br.Process(context.Background(), build(traffic{db: 0, events: 1})); err != nil {
				t.Fatal(err)
			}
			if k, _ := br.keys.Get("postgresql://db0.internal:5432"); k.state.String() == "closed" {
				return
			}
		}
		t.Fatal("never closed")
	}
	if got := trip(); got != 10 {
		t.Fatalf("first trip open %v s", got)
	}
	quietUntilClosed()
	clk.add(11 * time.Second) // fresh interval
	if got := trip(); got != 20 {
		t.Fatalf("consecutive trip open %v s, want 20", got)
	}
	quietUntilClosed()
	clk.add(2 * time.Minute)
	if _, err := br.Process(context.Background(), build(traffic{db: 0, events: 1})); err != nil {
		t.Fatal(err)
	}
	clk.add(11 * time.Second)
	if got := trip(); got != 10 {
		t.Fatalf("trip after a healthy reset_after: open %v s, want 10", got)
	}
}

func TestKeysBounded(t *testing.T) {
	cfg := DefaultConfig()
	cfg.MaxKeys = 2
	reg := prometheus.NewPedanticRegistry()
	br, _ := newBreaker(t, cfg, reg)
	for db := range 5 {
		if _, err := br.Process(context.Background(), build(traffic{db: db, events: 1})); err != nil {
			t.Fatal(err)
		}
	}
	// Infrastructure-only sources get no breaker at all.
	if _, err := br.Process(context.Background(), build(traffic{db: 9, infraPoints: 3})); err != nil {
		t.Fatal(err)
	}
	if n := testutil.CollectAndCount(br.m.state); n != 2 {
		t.Fatalf("state series %d, want 2", n)
	}
	if got := testutil.ToFloat64(br.m.keysEvicted); got != 3 {
		t.Fatalf("evicted %v, want 3", got)
	}
}

// The receiver calls Process from many goroutines and the forwarder calls
// ExportFailed from its own; -race checks the locking.
func TestConcurrentUse(t *testing.T) {
	cfg := DefaultConfig()
	cfg.ExportFailuresPerInterval = 5
	// A clock that stands still: the outcome must not depend on how fast
	// the goroutines run.
	at := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	br, err := New(cfg, prometheus.NewPedanticRegistry(), nil, func() time.Time { return at })
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	events := make([]int, 3)
	for g := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				if g == 2 {
					br.ExportFailed(build(traffic{db: 0, events: 1}), "invalid_argument")
					continue
				}
				out, err := br.Process(context.Background(), build(traffic{db: g, events: 2, queryPoints: 2, infraPoints: 1}))
				if err != nil {
					t.Error(err)
					return
				}
				events[g] += len(count(out).events)
			}
		}()
	}
	wg.Wait()
	out, err := br.Process(context.Background(), build(traffic{db: 1, infraPoints: 1}))
	if err != nil {
		t.Fatal(err)
	}
	// db0 tripped on export failures exactly once (it stays open: the
	// clock never reaches the open timeout), and its record came out once.
	if got := events[0] + events[1] + len(count(out).events); got != 1 {
		t.Fatalf("%d breaker records, want 1", got)
	}
}
