package verify

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/dbintel/dbintel/pkg/pipeline"
)

func TestQualityPoints(t *testing.T) {
	v, _ := newTest(t, nil)
	md := pmetric.NewMetrics()
	ms := md.ResourceMetrics().AppendEmpty().ScopeMetrics().AppendEmpty().Metrics()
	gauge := ms.AppendEmpty().SetEmptyGauge().DataPoints()
	for i, val := range []float64{1, nan, math.Inf(1), math.Inf(-1), 2} {
		p := gauge.AppendEmpty()
		p.SetTimestamp(ts(0))
		p.SetDoubleValue(val)
		p.Attributes().PutInt("i", int64(i))
	}
	old := gauge.AppendEmpty()
	old.SetTimestamp(ts(-49 * time.Hour))
	future := gauge.AppendEmpty()
	future.SetTimestamp(ts(25 * time.Hour))
	unset := gauge.AppendEmpty() // no timestamp: left to the backend
	unset.SetDoubleValue(3)

	sum := ms.AppendEmpty().SetEmptySum()
	sum.SetIsMonotonic(true)
	sum.SetAggregationTemporality(pmetric.AggregationTemporalityDelta)
	for _, val := range []int64{5, -3} {
		p := sum.DataPoints().AppendEmpty()
		p.SetTimestamp(ts(0))
		p.SetIntValue(val)
	}
	gauge2 := ms.AppendEmpty().SetEmptyGauge().DataPoints().AppendEmpty() // a negative gauge is fine
	gauge2.SetIntValue(-3)

	h := ms.AppendEmpty().SetEmptyHistogram().DataPoints()
	h.AppendEmpty().SetSum(nan)
	h.AppendEmpty().SetSum(1)

	s := ms.AppendEmpty().SetEmptySummary().DataPoints()
	s.AppendEmpty().QuantileValues().AppendEmpty().SetValue(math.Inf(1))

	process(t, v, pipeline.FromMetrics(md))
	if got := gauge.Len(); got != 3 {
		t.Errorf("gauge points %d, want 3 (1, 2, unset)", got)
	}
	if sum.DataPoints().Len() != 1 || sum.DataPoints().At(0).IntValue() != 5 {
		t.Errorf("negative delta of a monotonic sum kept")
	}
	if h.Len() != 1 {
		t.Errorf("histogram with NaN sum kept")
	}
	if ms.Len() != 4 { // the summary lost its only point and is removed
		t.Errorf("metrics %d, want 4", ms.Len())
	}
	for r, want := range map[fixReason]float64{fixNaN: 5, fixNegativeDelta: 1, fixTooOld: 1, fixTooNew: 1} {
		if got := testutil.ToFloat64(v.m.fixes[r]); got != want {
			t.Errorf("fixes_total{reason=%s} = %v, want %v", reasonNames[r], got, want)
		}
	}
}

func TestQualityAttributes(t *testing.T) {
	v, _ := newTest(t, nil)
	md := pmetric.NewMetrics()
	p := md.ResourceMetrics().AppendEmpty().ScopeMetrics().AppendEmpty().Metrics().AppendEmpty().SetEmptyGauge().DataPoints().AppendEmpty()
	a := p.Attributes()
	for i := 0; i < 150; i++ {
		a.PutInt(fmt.Sprintf("k%03d", 149-i), int64(i))
	}
	a.PutStr("k000", strings.Repeat("é", 3000)) // 6000 bytes, 2-byte runes
	a.PutStr("k001", strings.Repeat("x", 4094)+"4111111111111111"[:1]+"111111111111111 end")
	sl := a.PutEmptySlice("k002")
	for i := 0; i < 100; i++ {
		sl.AppendEmpty().SetInt(int64(i))
	}
	a.PutStr("k003"+strings.Repeat("n", 300), "long name")
	process(t, v, pipeline.FromMetrics(md))

	if a.Len() != 100 {
		t.Fatalf("point attributes %d, want 100", a.Len())
	}
	// Sorted keys: k000..k003, k003nnn…, k004..k098 are the first 100.
	if _, ok := a.Get("k098"); !ok {
		t.Error("trim is not keep-first-100-by-key: k098 missing")
	}
	if _, ok := a.Get("k099"); ok {
		t.Error("k099 kept")
	}
	v0, _ := a.Get("k000")
	if len(v0.Str()) > 4095 || !strings.HasPrefix(v0.Str(), "éé") || !utf8Valid(v0.Str()) {
		t.Errorf("value not cut at a rune boundary within 4095 bytes: len %d", len(v0.Str()))
	}
	v1, _ := a.Get("k001")
	if len(v1.Str()) > 4095 {
		t.Errorf("value len %d", len(v1.Str()))
	}
	if v2, _ := a.Get("k002"); v2.Slice().Len() != 64 {
		t.Errorf("array len %d, want 64", v2.Slice().Len())
	}
	if v3, ok := a.Get("k003" + strings.Repeat("n", 251)); !ok || v3.Str() != "long name" {
		t.Errorf("long attribute name not truncated to 255")
	}
}

func utf8Valid(s string) bool { return strings.ToValidUTF8(s, "\uFFFD") == s }

func TestQualityLogsAndSpans(t *testing.T) {
	for _, fix := range []string{"now", "drop"} {
		t.Run(fix, func(t *testing.T) {
			v, _ := newTest(t, func(c *Config) { c.Quality.LogTimeFix = fix })
			b := pipeline.NewBatch()
			lrs := b.Logs.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
			stale := lrs.AppendEmpty()
			stale.SetTimestamp(ts(-72 * time.Hour))
			lrs.AppendEmpty().SetTimestamp(ts(-time.Hour))
			many := lrs.AppendEmpty()
			for i := 0; i < 300; i++ {
				many.Attributes().PutInt(fmt.Sprint(i), 1)
			}
			spans := b.Traces.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans()
			spans.AppendEmpty().SetStartTimestamp(ts(-72 * time.Hour))
			spans.AppendEmpty().SetStartTimestamp(ts(-time.Minute))
			b = process(t, v, b)

			wantLogs := 3
			if fix == "drop" {
				wantLogs = 2
			}
			if b.Logs.LogRecordCount() != wantLogs {
				t.Fatalf("logs %d, want %d", b.Logs.LogRecordCount(), wantLogs)
			}
			if fix == "now" && lrs.At(0).Timestamp() != pcommon.NewTimestampFromTime(testNow) {
				t.Errorf("stale log timestamp not set to now")
			}
			if n := lrs.At(lrs.Len() - 1).Attributes().Len(); n != 255 {
				t.Errorf("log attributes %d, want 255", n)
			}
			if b.Traces.SpanCount() != 1 {
				t.Errorf("stale span kept")
			}
		})
	}
}

func TestEmptyBatch(t *testing.T) {
	v, _ := newTest(t, nil)
	if b := process(t, v, pipeline.FromTraces(ptrace.NewTraces())); !b.Empty() {
		t.Fatal("empty batch changed")
	}
}
