package cardinality

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dbintel/dbintel/internal/config"
	"github.com/dbintel/dbintel/pkg/contract"
	"github.com/dbintel/dbintel/pkg/pipeline"
	"github.com/dbintel/dbintel/pkg/pipeline/dbkey/dbkeytest"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func newLimiter(t testing.TB, cfg Config, reg prometheus.Registerer) (*Limiter, *clock) {
	t.Helper()
	clk := &clock{t: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)}
	l, err := New(cfg, reg, clk.now)
	if err != nil {
		t.Fatal(err)
	}
	return l, clk
}

// sumBatch is one delta sum metric with a point per series id in [from, to).
func sumBatch(from, to int) pipeline.Batch {
	md := pmetric.NewMetrics()
	rm := md.ResourceMetrics().AppendEmpty()
	dbkeytest.Resource(rm.Resource(), 0)
	m := rm.ScopeMetrics().AppendEmpty().Metrics().AppendEmpty()
	m.SetName("db.server.query.calls")
	s := m.SetEmptySum()
	s.SetAggregationTemporality(pmetric.AggregationTemporalityDelta)
	for i := from; i < to; i++ {
		p := s.DataPoints().AppendEmpty()
		p.Attributes().PutStr(contract.PGQueryID, fmt.Sprint(i))
		p.SetIntValue(int64(i%7 + 1))
		p.SetTimestamp(pcommon.Timestamp(1000 + i))
	}
	return pipeline.FromMetrics(md)
}

func TestHundredThousandSeries(t *testing.T) {
	cfg := DefaultConfig()
	cfg.MaxSeriesPerMetric = 1000
	reg := prometheus.NewPedanticRegistry()
	l, _ := newLimiter(t, cfg, reg)
	series := map[string]bool{}
	var inSum, outSum int64
	for batch := range 10 {
		b := sumBatch(batch*10_000, (batch+1)*10_000)
		for _, p := range b.Metrics.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics().At(0).Sum().DataPoints().All() {
			inSum += p.IntValue()
		}
		out, err := l.Process(context.Background(), b)
		if err != nil {
			t.Fatal(err)
		}
		dps := out.Metrics.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics().At(0).Sum().DataPoints()
		for _, p := range dps.All() {
			series[fmt.Sprint(p.Attributes().AsRaw())] = true
			outSum += p.IntValue()
		}
	}
	if len(series) > 1001 {
		t.Errorf("%d series out, want at most 1001", len(series))
	}
	if !series[fmt.Sprint(map[string]any{contract.AttrMetricOverflow: true})] {
		t.Error("no overflow series")
	}
	if got := testutil.ToFloat64(l.m.folded); got != 99_000 {
		t.Errorf("folded counter %v, want 99000", got)
	}
	if inSum != outSum {
		t.Errorf("sum of values %d in, %d out", inSum, outSum)
	}
}

func TestAdmittedSeriesKeepPassingAndWindowResets(t *testing.T) {
	cfg := DefaultConfig()
	cfg.MaxSeriesPerMetric = 10
	cfg.Window = time.Hour
	l, clk := newLimiter(t, cfg, nil)
	run := func(from, to int) int {
		out, err := l.Process(context.Background(), sumBatch(from, to))
		if err != nil {
			t.Fatal(err)
		}
		return out.Metrics.DataPointCount()
	}
	if got := run(0, 10); got != 10 {
		t.Fatalf("first 10 series: %d points out", got)
	}
	if got := run(10, 20); got != 1 {
		t.Fatalf("10 new series over the limit: %d points out, want 1 overflow point", got)
	}
	if got := run(0, 10); got != 10 {
		t.Fatalf("admitted series again: %d points out, want 10", got)
	}
	clk.t = clk.t.Add(time.Hour)
	if got := run(10, 20); got != 10 {
		t.Fatalf("next window: %d points out, want 10", got)
	}
}

func TestFoldByType(t *testing.T) {
	cfg := DefaultConfig()
	cfg.MaxSeriesPerMetric = 1
	l, _ := newLimiter(t, cfg, nil)
	md := pmetric.NewMetrics()
	ms := md.ResourceMetrics().AppendEmpty().ScopeMetrics().AppendEmpty().Metrics()

	g := ms.AppendEmpty()
	g.SetName("gauge")
	gd := g.SetEmptyGauge().DataPoints()
	for i, v := range []float64{1, 2, 9, 3} { // the point with ts 3 (v=3) is the latest
		p := gd.AppendEmpty()
		p.Attributes().PutInt("i", int64(i))
		p.SetDoubleValue(v)
		p.SetTimestamp(pcommon.Timestamp(i))
	}
	h := ms.AppendEmpty()
	h.SetName("hist")
	hd := h.SetEmptyHistogram().DataPoints()
	for i := range 4 {
		p := hd.AppendEmpty()
		p.Attributes().PutInt("i", int64(i))
		p.SetCount(3)
		p.SetSum(float64(i))
		p.ExplicitBounds().FromRaw([]float64{1, 10})
		p.BucketCounts().FromRaw([]uint64{1, 1, 1})
		p.SetMin(float64(i))
		p.SetMax(float64(10 + i))
	}
	sm := ms.AppendEmpty()
	sm.SetName("summary")
	sd := sm.SetEmptySummary().DataPoints()
	for i := range 3 {
		p := sd.AppendEmpty()
		p.Attributes().PutInt("i", int64(i))
		p.SetCount(2)
		p.SetSum(1.5)
		q := p.QuantileValues().AppendEmpty()
		q.SetQuantile(0.5)
		q.SetValue(1)
	}
	e := ms.AppendEmpty()
	e.SetName("exp")
	ed := e.SetEmptyExponentialHistogram().DataPoints()
	for i := range 3 {
		p := ed.AppendEmpty()
		p.Attributes().PutInt("i", int64(i))
		p.SetScale(2)
		p.SetCount(5)
		p.SetZeroCount(1)
		p.SetSum(4)
		p.Positive().SetOffset(3)
		p.Positive().BucketCounts().FromRaw([]uint64{2, 2})
	}
	if _, err := l.Process(context.Background(), pipeline.FromMetrics(md)); err != nil {
		t.Fatal(err)
	}
	// Each metric keeps its first series and one overflow point.
	for _, m := range []pmetric.Metric{g, h, sm, e} {
		if n := pipeline.PointCount(m); n != 2 {
			t.Fatalf("%s: %d points, want 2", m.Name(), n)
		}
	}
	if p := gd.At(1); p.DoubleValue() != 3 || p.Timestamp() != 3 || !isOverflow(p.Attributes()) {
		t.Errorf("gauge overflow: value %v ts %v attrs %v", p.DoubleValue(), p.Timestamp(), p.Attributes().AsRaw())
	}
	hp := hd.At(1)
	if hp.Count() != 9 || hp.Sum() != 6 || hp.Min() != 1 || hp.Max() != 13 || fmt.Sprint(hp.BucketCounts().AsRaw()) != "[3 3 3]" || !isOverflow(hp.Attributes()) {
		t.Errorf("histogram overflow: count %d sum %v min %v max %v buckets %v", hp.Count(), hp.Sum(), hp.Min(), hp.Max(), hp.BucketCounts().AsRaw())
	}
	if sp := sd.At(1); sp.Count() != 4 || sp.Sum() != 3 || sp.QuantileValues().Len() != 0 {
		t.Errorf("summary overflow: count %d sum %v quantiles %d", sp.Count(), sp.Sum(), sp.QuantileValues().Len())
	}
	if ep := ed.At(1); ep.Count() != 10 || ep.ZeroCount() != 2 || ep.Sum() != 8 || fmt.Sprint(ep.Positive().BucketCounts().AsRaw()) != "[4 4]" {
		t.Errorf("exponential overflow: count %d zero %d sum %v buckets %v", ep.Count(), ep.ZeroCount(), ep.Sum(), ep.Positive().BucketCounts().AsRaw())
	}
}

func TestHistogramLayoutsDiffer(t *testing.T) {
	c, p := pmetric.NewHistogramDataPoint(), pmetric.NewHistogramDataPoint()
	c.ExplicitBounds().FromRaw([]float64{1})
	c.BucketCounts().FromRaw([]uint64{1, 1})
	c.SetCount(2)
	p.ExplicitBounds().FromRaw([]float64{5})
	p.BucketCounts().FromRaw([]uint64{3, 0})
	p.SetCount(3)
	mergeHistogram(c, p)
	if c.Count() != 5 || c.BucketCounts().Len() != 0 || c.ExplicitBounds().Len() != 0 {
		t.Fatalf("count %d, %d buckets, %d bounds", c.Count(), c.BucketCounts().Len(), c.ExplicitBounds().Len())
	}
}

func isOverflow(a pcommon.Map) bool {
	v, ok := a.Get(contract.AttrMetricOverflow)
	return ok && v.Bool() && a.Len() == 1
}

func TestMemoryBounded(t *testing.T) {
	cfg := DefaultConfig()
	cfg.MaxSeriesPerMetric = 100
	cfg.MaxTrackedSeries = 250
	cfg.MaxMetrics = 50
	reg := prometheus.NewPedanticRegistry()
	l, _ := newLimiter(t, cfg, reg)
	for name := range 100 {
		md := pmetric.NewMetrics()
		m := md.ResourceMetrics().AppendEmpty().ScopeMetrics().AppendEmpty().Metrics().AppendEmpty()
		m.SetName(fmt.Sprintf("m%d", name))
		dps := m.SetEmptyGauge().DataPoints()
		for i := range 100 {
			dps.AppendEmpty().Attributes().PutInt("i", int64(i))
		}
		if _, err := l.Process(context.Background(), pipeline.FromMetrics(md)); err != nil {
			t.Fatal(err)
		}
		if l.tracked > cfg.MaxTrackedSeries || l.names.Len() > cfg.MaxMetrics {
			t.Fatalf("after %d names: %d series, %d names tracked", name+1, l.tracked, l.names.Len())
		}
	}
	if got := testutil.ToFloat64(l.m.evicted); got != 98 {
		t.Fatalf("evicted %v, want 98 (2 names of 100 series fit in 250)", got)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"default", func(*Config) {}, ""},
		{"limit", func(c *Config) { c.MaxSeriesPerMetric = 0 }, "max_series_per_metric"},
		{"window", func(c *Config) { c.Window = time.Second }, "window"},
		{"metrics", func(c *Config) { c.MaxMetrics = 0 }, "max_metrics"},
		{"tracked below limit", func(c *Config) { c.MaxTrackedSeries = c.MaxSeriesPerMetric - 1 }, "max_tracked_series"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := DefaultConfig()
			tt.edit(&c)
			err := c.Validate()
			if (err == nil) != (tt.want == "") || (err != nil && !strings.HasPrefix(err.Error(), tt.want)) {
				t.Fatalf("Validate() = %v, want problem at %q", err, tt.want)
			}
		})
	}
}

func TestYAML(t *testing.T) {
	var wrap struct {
		Cardinality Config `yaml:"cardinality"`
	}
	wrap.Cardinality = DefaultConfig()
	doc := "cardinality:\n  max_series_per_metric: 5000\n  window: 1h\n"
	if err := config.Parse([]byte(doc), func(string) (string, bool) { return "", false }, &wrap); err != nil {
		t.Fatal(err)
	}
	if c := wrap.Cardinality; c.MaxSeriesPerMetric != 5000 || c.Window != time.Hour || c.MaxMetrics != 5000 {
		t.Fatalf("decoded %+v", c)
	}
}

// The example config in testdata (the block deploy/gateway.yaml takes) is
// valid, decodes to the defaults and builds the stage.
func TestExampleConfig(t *testing.T) {
	data, err := os.ReadFile("testdata/gateway.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var wrap struct {
		C Config `yaml:"cardinality"`
	}
	wrap.C = DefaultConfig()
	if err := config.Parse(data, func(string) (string, bool) { return "", false }, &wrap); err != nil {
		t.Fatal(err)
	}
	if wrap.C != DefaultConfig() {
		t.Fatalf("example differs from the defaults:\n%+v\n%+v", wrap.C, DefaultConfig())
	}
	if _, err := New(wrap.C, nil, nil); err != nil {
		t.Fatal(err)
	}
}

// TestAttributeOrderIsOneSeries: a sender that writes the same attributes
// in another order (maps have no order on the wire) sends the same series;
// with a limit of 1 it must not fold into overflow.
func TestAttributeOrderIsOneSeries(t *testing.T) {
	cfg := DefaultConfig()
	cfg.MaxSeriesPerMetric = 1
	l, _ := newLimiter(t, cfg, nil)
	batch := func(keys ...string) pipeline.Batch {
		md := pmetric.NewMetrics()
		rm := md.ResourceMetrics().AppendEmpty()
		for _, k := range keys {
			rm.Resource().Attributes().PutStr("r"+k, k)
		}
		m := rm.ScopeMetrics().AppendEmpty().Metrics().AppendEmpty()
		m.SetName("m")
		p := m.SetEmptyGauge().DataPoints().AppendEmpty()
		for _, k := range keys {
			p.Attributes().PutStr(k, k)
		}
		return pipeline.FromMetrics(md)
	}
	for _, keys := range [][]string{{"x", "y"}, {"y", "x"}} {
		out, err := l.Process(context.Background(), batch(keys...))
		if err != nil {
			t.Fatal(err)
		}
		p := out.Metrics.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics().At(0).Gauge().DataPoints().At(0)
		if _, folded := p.Attributes().Get(contract.AttrMetricOverflow); folded {
			t.Fatalf("attributes %v folded into overflow", keys)
		}
	}
}

// TestConcurrentBatchesKeepCounts: batches from two goroutines, with
// evictions on every batch, leave the tracked count equal to the series
// actually remembered.
func TestConcurrentBatchesKeepCounts(t *testing.T) {
	cfg := DefaultConfig()
	cfg.MaxSeriesPerMetric = 50
	cfg.MaxTrackedSeries = 120
	cfg.MaxMetrics = 3
	l, _ := newLimiter(t, cfg, nil)
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Go(func() {
			for i := range 200 {
				md := pmetric.NewMetrics()
				ms := md.ResourceMetrics().AppendEmpty().ScopeMetrics().AppendEmpty().Metrics()
				for n := range 4 {
					m := ms.AppendEmpty()
					m.SetName(fmt.Sprintf("m%d", (i+n+w)%7))
					dps := m.SetEmptyGauge().DataPoints()
					for p := range 30 {
						dps.AppendEmpty().Attributes().PutInt("p", int64(p+i%5))
					}
				}
				if _, err := l.Process(context.Background(), pipeline.FromMetrics(md)); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	sum := 0
	for _, st := range l.names.Values() {
		sum += len(st.series)
	}
	if l.tracked != sum || l.tracked > cfg.MaxTrackedSeries {
		t.Fatalf("tracked %d, remembered %d (max %d)", l.tracked, sum, cfg.MaxTrackedSeries)
	}
}
