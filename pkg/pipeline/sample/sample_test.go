package sample

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/dbintel/dbintel/internal/config"
	"github.com/dbintel/dbintel/pkg/pipeline"
	"github.com/dbintel/dbintel/pkg/pipeline/dbkey"
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

func TestOperators(t *testing.T) {
	attrs := map[string]any{"db.operation.name": "SELECT", "db.query.id": "42", "calls": int64(10), "mean": 0.5, "flag": true}
	tests := []struct {
		name string
		cond Condition
		want bool // matched -> dropped by sample_rate 0
	}{
		{"attr eq", Condition{Field: FieldAttribute, Name: "db.operation.name", Op: "eq", Value: "SELECT"}, true},
		{"attr eq other", Condition{Field: FieldAttribute, Name: "db.operation.name", Op: "eq", Value: "UPDATE"}, false},
		{"attr eq int", Condition{Field: FieldAttribute, Name: "calls", Op: "eq", Value: "10"}, true},
		{"attr eq bool", Condition{Field: FieldAttribute, Name: "flag", Op: "eq", Value: "true"}, true},
		{"attr ne", Condition{Field: FieldAttribute, Name: "db.operation.name", Op: "ne", Value: "UPDATE"}, true},
		{"attr ne same", Condition{Field: FieldAttribute, Name: "db.operation.name", Op: "ne", Value: "SELECT"}, false},
		{"attr ne absent", Condition{Field: FieldAttribute, Name: "missing", Op: "ne", Value: "x"}, false},
		{"attr gt int", Condition{Field: FieldAttribute, Name: "calls", Op: "gt", Value: "9"}, true},
		{"attr gt equal", Condition{Field: FieldAttribute, Name: "calls", Op: "gt", Value: "10"}, false},
		{"attr gte equal", Condition{Field: FieldAttribute, Name: "calls", Op: "gte", Value: "10"}, true},
		{"attr lt double", Condition{Field: FieldAttribute, Name: "mean", Op: "lt", Value: "0.6"}, true},
		{"attr lt double no", Condition{Field: FieldAttribute, Name: "mean", Op: "lt", Value: "0.5"}, false},
		{"attr lte double", Condition{Field: FieldAttribute, Name: "mean", Op: "lte", Value: "0.5"}, true},
		{"attr gt numeric string", Condition{Field: FieldAttribute, Name: "db.query.id", Op: "gt", Value: "41"}, true},
		{"attr gt non-numeric", Condition{Field: FieldAttribute, Name: "db.operation.name", Op: "gt", Value: "1"}, false},
		{"attr gt bool", Condition{Field: FieldAttribute, Name: "flag", Op: "gt", Value: "0"}, false},
		{"attr contains", Condition{Field: FieldAttribute, Name: "db.operation.name", Op: "contains", Value: "LEC"}, true},
		{"attr contains no", Condition{Field: FieldAttribute, Name: "db.operation.name", Op: "contains", Value: "x"}, false},
		{"attr regex", Condition{Field: FieldAttribute, Name: "db.operation.name", Op: "regex", Value: "^SEL"}, true},
		{"attr regex no", Condition{Field: FieldAttribute, Name: "db.operation.name", Op: "regex", Value: "^ECT"}, false},
		{"attr exists", Condition{Field: FieldAttribute, Name: "calls", Op: "exists"}, true},
		{"attr exists absent", Condition{Field: FieldAttribute, Name: "missing", Op: "exists"}, false},
		{"res eq", Condition{Field: FieldResourceAttribute, Name: "deployment.environment.name", Op: "eq", Value: "prod"}, true},
		{"res eq int port", Condition{Field: FieldResourceAttribute, Name: "server.port", Op: "eq", Value: "5432"}, true},
		{"res regex", Condition{Field: FieldResourceAttribute, Name: "server.address", Op: "regex", Value: `^db\d\.internal$`}, true},
		{"res absent", Condition{Field: FieldResourceAttribute, Name: "k8s.pod.name", Op: "exists"}, false},
		{"res not on record", Condition{Field: FieldResourceAttribute, Name: "calls", Op: "exists"}, false},
		{"event eq", Condition{Field: FieldEventName, Op: "eq", Value: "db.server.query_sample"}, true},
		{"event ne", Condition{Field: FieldEventName, Op: "ne", Value: "db.server.top_query"}, true},
		{"event contains", Condition{Field: FieldEventName, Op: "contains", Value: "sample"}, true},
		{"event regex", Condition{Field: FieldEventName, Op: "regex", Value: "top_query$"}, false},
		{"event exists", Condition{Field: FieldEventName, Op: "exists"}, true},
		{"metric name absent on log", Condition{Field: FieldMetricName, Op: "ne", Value: "x"}, false},
		{"value absent on log", Condition{Field: FieldValue, Op: "exists"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSampler(t, withRules(noBudget(DefaultConfig()), Rule{Name: "r", When: []Condition{tt.cond}, SampleRate: ptr(0)}), nil, nil)
			if got := !kept(t, s, oneLog("db.server.query_sample", attrs)); got != tt.want {
				t.Fatalf("matched = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestMetricConditions(t *testing.T) {
	tests := []struct {
		name string
		cond Condition
		want bool
	}{
		{"metric eq", Condition{Field: FieldMetricName, Op: "eq", Value: "postgresql.backends"}, true},
		{"metric regex", Condition{Field: FieldMetricName, Op: "regex", Value: `^postgresql\.`}, true},
		{"metric contains no", Condition{Field: FieldMetricName, Op: "contains", Value: "mysql"}, false},
		{"value gt", Condition{Field: FieldValue, Op: "gt", Value: "99"}, true},
		{"value gte", Condition{Field: FieldValue, Op: "gte", Value: "100"}, true},
		{"value lt", Condition{Field: FieldValue, Op: "lt", Value: "100"}, false},
		{"value lte", Condition{Field: FieldValue, Op: "lte", Value: "100"}, true},
		{"value eq", Condition{Field: FieldValue, Op: "eq", Value: "100"}, true},
		{"value ne", Condition{Field: FieldValue, Op: "ne", Value: "100"}, false},
		{"value exists", Condition{Field: FieldValue, Op: "exists"}, true},
		{"event absent on metric", Condition{Field: FieldEventName, Op: "ne", Value: "x"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSampler(t, withRules(noBudget(DefaultConfig()), Rule{Name: "r", When: []Condition{tt.cond}, SampleRate: ptr(0)}), nil, nil)
			if got := !kept(t, s, onePoint("postgresql.backends", 100, map[string]any{"state": "idle"})); got != tt.want {
				t.Fatalf("matched = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestAllConditionsMustHold(t *testing.T) {
	cfg := withRules(noBudget(DefaultConfig()), Rule{Name: "both", SampleRate: ptr(0), When: []Condition{
		{Field: FieldEventName, Op: "eq", Value: "db.server.query_sample"},
		{Field: FieldAttribute, Name: "state", Op: "eq", Value: "idle"},
	}})
	s := newSampler(t, cfg, nil, nil)
	if !kept(t, s, oneLog("db.server.query_sample", map[string]any{"state": "active"})) {
		t.Fatal("dropped although one condition fails")
	}
	if kept(t, s, oneLog("db.server.query_sample", map[string]any{"state": "idle"})) {
		t.Fatal("kept although both conditions hold")
	}
}

func TestRuleOrder(t *testing.T) {
	keepAll := Rule{Name: "keep", SampleRate: ptr(1), When: []Condition{{Field: FieldAttribute, Name: "db.operation.name", Op: "eq", Value: "SELECT"}}}
	dropAll := Rule{Name: "drop", SampleRate: ptr(0), When: []Condition{{Field: FieldEventName, Op: "exists"}}}
	tests := []struct {
		name  string
		rules []Rule
		op    string
		want  bool
	}{
		{"first rule wins (keep)", []Rule{keepAll, dropAll}, "SELECT", true},
		{"first rule wins (drop)", []Rule{dropAll, keepAll}, "SELECT", false},
		{"falls through to second", []Rule{keepAll, dropAll}, "UPDATE", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := prometheus.NewPedanticRegistry()
			s := newSampler(t, withRules(noBudget(DefaultConfig()), tt.rules...), reg, nil)
			if got := kept(t, s, oneLog("db.server.query_sample", map[string]any{"db.operation.name": tt.op})); got != tt.want {
				t.Fatalf("kept = %v, want %v", got, tt.want)
			}
			// Exactly one rule counted the item.
			var matched float64
			for _, r := range tt.rules {
				matched += testutil.ToFloat64(s.m.matched.WithLabelValues(r.Name))
			}
			if matched != 1 {
				t.Fatalf("matched across rules = %v, want 1", matched)
			}
		})
	}
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
		{"blocking", func() pipeline.Batch { return oneLog("db.server.blocking", nil) }},
		{"plan change", func() pipeline.Batch { return oneLog("db.server.plan_change", nil) }},
		{"slow query", func() pipeline.Batch {
			return oneLog("db.server.top_query", map[string]any{"db.query.mean_time": 2.5})
		}},
		{"error.type", func() pipeline.Batch {
			return oneLog("db.server.query_sample", map[string]any{"error.type": "timeout"})
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
	if kept(t, s, oneLog("db.server.top_query", map[string]any{"db.query.mean_time": 0.5})) {
		t.Fatal("fast query protected")
	}
}

func TestRuleDedupAndLimit(t *testing.T) {
	clk := newClock()
	reg := prometheus.NewPedanticRegistry()
	cfg := withRules(noBudget(DefaultConfig()),
		Rule{Name: "plans", When: []Condition{{Field: FieldEventName, Op: "eq", Value: "db.server.query_plan"}},
			Dedup: Dedup{Window: time.Hour, KeyAttributes: []string{"db.query.id", "db.query.plan.hash"}}},
		Rule{Name: "samples", When: []Condition{{Field: FieldEventName, Op: "eq", Value: "db.server.query_sample"}}, MaxPerMinute: 60},
	)
	s := newSampler(t, cfg, reg, clk)
	plan := func(id, hash string, ts int) pipeline.Batch {
		return oneLog("db.server.query_plan", map[string]any{"db.query.id": id, "db.query.plan.hash": hash, "ts": int64(ts)})
	}
	if !kept(t, s, plan("1", "a", 1)) || kept(t, s, plan("1", "a", 2)) || !kept(t, s, plan("1", "b", 3)) || !kept(t, s, plan("2", "a", 4)) {
		t.Fatal("dedup on (db.query.id, db.query.plan.hash) wrong")
	}
	clk.add(time.Hour + time.Second)
	if !kept(t, s, plan("1", "a", 5)) {
		t.Fatal("repeat after the window dropped")
	}
	// max_per_minute 60: burst of 10, then one per second.
	n := 0
	for i := range 100 {
		if kept(t, s, oneLog("db.server.query_sample", map[string]any{"i": int64(i)})) {
			n++
		}
	}
	if n != 10 {
		t.Fatalf("kept %d of a burst, want 10", n)
	}
	clk.add(5 * time.Second)
	n = 0
	for i := range 100 {
		if kept(t, s, oneLog("db.server.query_sample", map[string]any{"i": int64(100 + i)})) {
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
	cfg := withRules(noBudget(DefaultConfig()), Rule{Name: "half", SampleRate: ptr(0.3), When: []Condition{{Field: FieldAttribute, Name: "db.query.id", Op: "exists"}}})
	a := newSampler(t, cfg, nil, nil)
	b := newSampler(t, cfg, nil, nil)
	n, keptN := 5000, 0
	for i := range n {
		// Keys and other content are random; decisions follow the key only.
		id := fmt.Sprintf("%x", uint64(i)*0x9e3779b97f4a7c15)
		ka := kept(t, a, oneLog("db.server.query_sample", map[string]any{"db.query.id": id, "pid": int64(i)}))
		kb := kept(t, b, oneLog("db.server.query_sample", map[string]any{"pid": int64(-i), "db.query.id": id}))
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

func TestAdaptiveBudget(t *testing.T) {
	clk := newClock()
	cfg := DefaultConfig()
	cfg.Budget.PerMinute = 6000
	reg := prometheus.NewPedanticRegistry()
	s := newSampler(t, cfg, reg, clk)
	// Database 0 sends 10x its budget, database 1 exactly its budget, in
	// batches every 100 ms of simulated time, for two minutes.
	var keptLoud, keptQuiet int
	seq := 0
	for step := range 1200 {
		b := pipeline.NewBatch()
		for db, perStep := range []int{100, 10} {
			rl := b.Logs.ResourceLogs().AppendEmpty()
			dbkeytest.Resource(rl.Resource(), db)
			lrs := rl.ScopeLogs().AppendEmpty().LogRecords()
			for range perStep {
				lr := lrs.AppendEmpty()
				lr.SetEventName("db.server.query_sample")
				lr.Attributes().PutStr("db.query.id", fmt.Sprintf("q%d", seq))
				seq++
			}
		}
		out, err := s.Process(context.Background(), b)
		if err != nil {
			t.Fatal(err)
		}
		if step >= 600 { // second minute: must have converged
			for _, rl := range out.Logs.ResourceLogs().All() {
				n := rl.ScopeLogs().At(0).LogRecords().Len()
				if v, _ := rl.Resource().Attributes().Get("server.address"); v.Str() == "db0.internal" {
					keptLoud += n
				} else {
					keptQuiet += n
				}
			}
		}
		clk.add(100 * time.Millisecond)
	}
	t.Logf("second minute: loud database kept %d, database at budget kept %d (budget 6000)", keptLoud, keptQuiet)
	if keptLoud < 4800 || keptLoud > 7200 {
		t.Fatalf("loud database kept %d in the second minute, want 6000±20%%", keptLoud)
	}
	if keptQuiet != 6000 {
		t.Fatalf("database at budget kept %d of 6000", keptQuiet)
	}
	if r := testutil.ToFloat64(s.m.effectiveRate.WithLabelValues("postgresql://db0.internal:5432/orders")); r < 0.08 || r > 0.12 {
		t.Fatalf("effective rate gauge = %v, want about 0.1", r)
	}
}

func TestDatabasesBounded(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Budget.MaxDatabases = 3
	reg := prometheus.NewPedanticRegistry()
	s := newSampler(t, cfg, reg, nil)
	for db := range 10 {
		ld := plog.NewLogs()
		rl := ld.ResourceLogs().AppendEmpty()
		dbkeytest.Resource(rl.Resource(), db)
		rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty().SetEventName("db.server.top_query")
		if _, err := s.Process(context.Background(), pipeline.FromLogs(ld)); err != nil {
			t.Fatal(err)
		}
	}
	if n := testutil.CollectAndCount(s.m.effectiveRate); n != 3 {
		t.Fatalf("effective rate series = %d, want 3", n)
	}
	if got := testutil.ToFloat64(s.m.dbEvicted); got != 7 {
		t.Fatalf("evicted = %v, want 7", got)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"default ok", func(*Config) {}, ""},
		{"bad op", func(c *Config) {
			c.Rules = []Rule{{Name: "r", When: []Condition{{Field: "attribute", Name: "a", Op: "like"}}}}
		}, "rules[0].when[0].op"},
		{"bad field", func(c *Config) { c.Rules = []Rule{{Name: "r", When: []Condition{{Field: "body", Op: "exists"}}}} }, "rules[0].when[0].field"},
		{"bad regex", func(c *Config) {
			c.Rules = []Rule{{Name: "r", When: []Condition{{Field: "event_name", Op: "regex", Value: "("}}}}
		}, "rules[0].when[0].value"},
		{"gt needs number", func(c *Config) {
			c.Rules = []Rule{{Name: "r", When: []Condition{{Field: "attribute", Name: "a", Op: "gt", Value: "x"}}}}
		}, "rules[0].when[0].value"},
		{"attribute needs name", func(c *Config) { c.Rules = []Rule{{Name: "r", When: []Condition{{Field: "attribute", Op: "exists"}}}} }, "rules[0].when[0].name"},
		{"duplicate name", func(c *Config) { c.Rules = []Rule{{Name: "r"}, {Name: "r"}} }, "rules[1].name"},
		{"reserved name", func(c *Config) { c.Rules = []Rule{{Name: "default"}} }, "rules[0].name"},
		{"rate range", func(c *Config) { c.Rules = []Rule{{Name: "r", SampleRate: ptr(1.5)}} }, "rules[0].sample_rate"},
		{"min above max", func(c *Config) { c.Budget.MinRate = 0.9; c.Budget.MaxRate = 0.5 }, "budget.min_rate"},
		{"smoothing", func(c *Config) { c.Budget.Smoothing = 0 }, "budget.smoothing"},
		{"dedup attrs without window", func(c *Config) { c.Dedup = Dedup{KeyAttributes: []string{"a"}} }, "dedup.key_attributes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := DefaultConfig()
			tt.edit(&c)
			err := c.Validate()
			if (err == nil) != (tt.want == "") || (err != nil && !strings.Contains(err.Error(), tt.want)) {
				t.Fatalf("Validate() = %v, want problem at %q", err, tt.want)
			}
		})
	}
}

func TestYAML(t *testing.T) {
	doc := `
sample:
  budget: {per_minute: 5000, recompute_every: 10s}
  rules:
    - name: idle-samples
      when:
        - {field: event_name, op: eq, value: db.server.query_sample}
        - {field: attribute, name: db.query.mean_time, op: lt, value: 0.01}
      sample_rate: 0.1
      max_per_minute: 600
      dedup: {window: 5m, key_attributes: [db.query.id]}
`
	var wrap struct {
		Sample Config `yaml:"sample"`
	}
	wrap.Sample = DefaultConfig()
	if err := config.Parse([]byte(doc), func(string) (string, bool) { return "", false }, &wrap); err != nil {
		t.Fatal(err)
	}
	c := wrap.Sample
	if c.Budget.PerMinute != 5000 || c.Budget.RecomputeEvery != 10*time.Second || c.Budget.MaxRate != 1 {
		t.Fatalf("budget = %+v", c.Budget)
	}
	r := c.Rules[0]
	if *r.SampleRate != 0.1 || r.MaxPerMinute != 600 || r.Dedup.Window != 5*time.Minute || r.When[1].Value != "0.01" {
		t.Fatalf("rule = %+v", r)
	}
}

func TestDedupCacheBounded(t *testing.T) {
	evicted := prometheus.NewCounter(prometheus.CounterOpts{Name: "x"})
	d := newDedupCache(1000, evicted)
	if got := len(d.buckets) * len(bucket{}); got < 1000 || got > 2000 {
		t.Fatalf("capacity %d for size 1000", got)
	}
	now := newClock().t
	key := func(i int) uint64 { return dbkey.Mix(uint64(i)) }
	for i := range 100 {
		if d.seen(key(i), now, time.Minute) {
			t.Fatalf("key %d seen before it was added", i)
		}
	}
	for i := range 100 {
		if !d.seen(key(i), now, time.Minute) {
			t.Fatalf("key %d not remembered", i)
		}
	}
	if d.seen(key(5), now.Add(time.Minute), time.Minute) {
		t.Fatal("key remembered past its window")
	}
	// Far more keys than slots: memory stays fixed and evictions are counted.
	for i := range 10_000 {
		d.seen(key(i+1000), now, time.Minute)
	}
	if got := testutil.ToFloat64(evicted); got < 10_000-float64(len(d.buckets)*4) {
		t.Fatalf("evicted %v", got)
	}
}
