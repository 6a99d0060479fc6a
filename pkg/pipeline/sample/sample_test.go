package sample

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
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// clock is simulated time for tests.
type clock struct{ t time.Time }

func (c *clock) now() time.Time            { return c.t }
func (c *clock) add(d time.Duration)       { c.t = c.t.Add(d) }
func newClock() *clock                     { return &clock{t: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)} }
func ptr(f float64) *float64               { return &f }
func noBudget(c Config) Config             { c.Budget.PerMinute = 0; return c }
func withRules(c Config, r ...Rule) Config { c.Rules = r; return c }

func newSampler(t testing.TB, cfg Config, reg prometheus.Registerer, clk *clock) *Sampler {
	t.Helper()
	if clk == nil {
		clk = newClock()
	}
	s, err := New(cfg, reg, nil, clk.now)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// oneLog returns a batch with one log record on a database resource.
func oneLog(event string, attrs map[string]any) pipeline.Batch {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	dbkeytest.Resource(rl.Resource(), 0)
	rl.Resource().Attributes().PutStr("deployment.environment.name", "prod")
	lr := rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
	lr.SetEventName(event)
	_ = lr.Attributes().FromRaw(attrs)
	return pipeline.FromLogs(ld)
}

// onePoint returns a batch with one gauge point.
func onePoint(name string, v float64, attrs map[string]any) pipeline.Batch {
	md := pmetric.NewMetrics()
	rm := md.ResourceMetrics().AppendEmpty()
	dbkeytest.Resource(rm.Resource(), 0)
	m := rm.ScopeMetrics().AppendEmpty().Metrics().AppendEmpty()
	m.SetName(name)
	p := m.SetEmptyGauge().DataPoints().AppendEmpty()
	p.SetDoubleValue(v)
	_ = p.Attributes().FromRaw(attrs)
	return pipeline.FromMetrics(md)
}

func kept(t testing.TB, s *Sampler, b pipeline.Batch) bool {
	t.Helper()
	in := b.Counts().Total()
	out, err := s.Process(context.Background(), b)
	if err != nil {
		t.Fatal(err)
	}
	if in != 1 {
		t.Fatalf("test batch has %d items", in)
	}
	return out.Counts().Total() == 1
}

func TestDefaultsLeaveNormalDataAlone(t *testing.T) {
	s := newSampler(t, DefaultConfig(), nil, nil)
	b := dbkeytest.Batch(dbkeytest.Realistic)
	want := b.Counts()
	out, err := s.Process(context.Background(), b)
	if err != nil {
		t.Fatal(err)
	}
	if got := out.Counts(); got != want {
		t.Fatalf("counts %+v, want %+v", got, want)
	}
	// The same batch again: the query-level events are exact duplicates and
	// go; metric points and spans stay.
	b2 := dbkeytest.Batch(dbkeytest.Realistic)
	out, err = s.Process(context.Background(), b2)
	if err != nil {
		t.Fatal(err)
	}
	sh := dbkeytest.Realistic
	wantPoints := sh.Databases * (sh.InfraMetrics*3 + sh.Queries)
	if got := out.Counts(); got.Points != wantPoints || got.Records != 0 || got.Spans != sh.Spans {
		t.Fatalf("repeat: counts %+v, want %d points, 0 records, %d spans", got, wantPoints, sh.Spans)
	}
}

func TestAlwaysKeep(t *testing.T) {
	dropAll := Rule{Name: "drop", SampleRate: ptr(0)}
	tests := []struct {
		name  string
		batch func() pipeline.Batch
	}{
		{"blocking", func() pipeline.Batch { return oneLog(contract.EventBlocking, nil) }},
		{"plan change", func() pipeline.Batch { return oneLog(contract.EventPlanChange, nil) }},
		{"slow query", func() pipeline.Batch {
			return oneLog(contract.EventTopQuery, map[string]any{contract.PGTotalExecTime: 2500.0, contract.PGCalls: int64(1)})
		}},
		{"error.type", func() pipeline.Batch {
			return oneLog(contract.EventQuerySample, map[string]any{"error.type": "timeout"})
		}},
		{"error severity", func() pipeline.Batch {
			b := oneLog("app.log", nil)
			b.Logs.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0).SetSeverityNumber(plog.SeverityNumberError)
			return b
		}},
		{"error span", func() pipeline.Batch {
			td := ptrace.NewTraces()
			sp := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans().AppendEmpty()
			sp.Status().SetCode(ptrace.StatusCodeError)
			return pipeline.FromTraces(td)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSampler(t, withRules(DefaultConfig(), dropAll), nil, nil)
			if !kept(t, s, tt.batch()) {
				t.Fatal("protected item dropped")
			}
			off := withRules(DefaultConfig(), dropAll)
			off.AlwaysKeep = AlwaysKeep{}
			if kept(t, newSampler(t, off, nil, nil), tt.batch()) {
				t.Fatal("kept with always_keep off: the test does not reach the protection")
			}
		})
	}
	s := newSampler(t, withRules(DefaultConfig(), dropAll), nil, nil)
	if kept(t, s, oneLog(contract.EventTopQuery, map[string]any{contract.PGTotalExecTime: 1000.0, contract.PGCalls: int64(2)})) {
		t.Fatal("fast query protected")
	}
}

func TestRuleDedupAndLimit(t *testing.T) {
	clk := newClock()
	reg := prometheus.NewPedanticRegistry()
	cfg := withRules(noBudget(DefaultConfig()),
		Rule{Name: "plans", When: []Condition{{Field: FieldEventName, Op: "eq", Value: contract.EventQueryPlan}},
			Dedup: Dedup{Window: time.Hour, KeyAttributes: []string{contract.PGQueryID, contract.AttrPlanHash}}},
		Rule{Name: "samples", When: []Condition{{Field: FieldEventName, Op: "eq", Value: contract.EventQuerySample}}, MaxPerMinute: 60},
	)
	s := newSampler(t, cfg, reg, clk)
	plan := func(id, hash string, ts int) pipeline.Batch {
		return oneLog(contract.EventQueryPlan, map[string]any{contract.PGQueryID: id, contract.AttrPlanHash: hash, "ts": int64(ts)})
	}
	if !kept(t, s, plan("1", "a", 1)) || kept(t, s, plan("1", "a", 2)) || !kept(t, s, plan("1", "b", 3)) || !kept(t, s, plan("2", "a", 4)) {
		t.Fatal("dedup on (query id, plan hash) wrong")
	}
	clk.add(time.Hour + time.Second)
	if !kept(t, s, plan("1", "a", 5)) {
		t.Fatal("repeat after the window dropped")
	}
	// max_per_minute 60: burst of 10, then one per second.
	n := 0
	for i := range 100 {
		if kept(t, s, oneLog(contract.EventQuerySample, map[string]any{"i": int64(i)})) {
			n++
		}
	}
	if n != 10 {
		t.Fatalf("kept %d of a burst, want 10", n)
	}
	clk.add(5 * time.Second)
	n = 0
	for i := range 100 {
		if kept(t, s, oneLog(contract.EventQuerySample, map[string]any{"i": int64(100 + i)})) {
			n++
		}
	}
	if n != 5 {
		t.Fatalf("kept %d after 5s, want 5", n)
	}
	if got := testutil.ToFloat64(s.m.dropped.WithLabelValues("samples", "limit")); got != 185 {
		t.Fatalf("dropped{limit} = %v, want 185", got)
	}
	if got := testutil.ToFloat64(s.m.dropped.WithLabelValues("plans", "dedup")); got != 1 {
		t.Fatalf("dropped{dedup} = %v, want 1", got)
	}
}

func TestSampleRateAndDeterminism(t *testing.T) {
	cfg := withRules(noBudget(DefaultConfig()), Rule{Name: "half", SampleRate: ptr(0.3), When: []Condition{{Field: FieldAttribute, Name: contract.PGQueryID, Op: "exists"}}})
	a := newSampler(t, cfg, nil, nil)
	b := newSampler(t, cfg, nil, nil)
	n, keptN := 5000, 0
	for i := range n {
		// Keys and other content are random; decisions follow the key only.
		id := fmt.Sprintf("%x", uint64(i)*0x9e3779b97f4a7c15)
		ka := kept(t, a, oneLog(contract.EventQuerySample, map[string]any{contract.PGQueryID: id, "pid": int64(i)}))
		kb := kept(t, b, oneLog(contract.EventQuerySample, map[string]any{"pid": int64(-i), contract.PGQueryID: id}))
		if ka != kb {
			t.Fatalf("key %s: instance A kept=%v, B kept=%v", id, ka, kb)
		}
		if ka {
			keptN++
		}
	}
	// 3 standard deviations of a binomial share at n=5000 is 0.019.
	if share := float64(keptN) / float64(n); share < 0.28 || share > 0.32 {
		t.Fatalf("kept share %.3f, want 0.30±0.02", share)
	}
}

// The receiver calls Process from many goroutines; -race checks the lock.
func TestConcurrentUse(t *testing.T) {
	cfg := withRules(DefaultConfig(), Rule{Name: "half", SampleRate: ptr(0.5), MaxPerMinute: 100,
		When: []Condition{{Field: FieldEventName, Op: "eq", Value: contract.EventQuerySample}}})
	s, err := New(cfg, prometheus.NewPedanticRegistry(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 20 {
				if _, err := s.Process(context.Background(), dbkeytest.RealisticAt(100*g+i)); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if got := testutil.ToFloat64(s.m.matched.WithLabelValues("half")); got != 4*20*float64(dbkeytest.Realistic.Databases*dbkeytest.Realistic.Samples) {
		t.Fatalf("rule matched %v items", got)
	}
}
