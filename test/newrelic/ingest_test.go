package newrelic

import (
	"fmt"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

func TestIngestMetrics(t *testing.T) {
	md := pmetric.NewMetrics()
	rm := md.ResourceMetrics().AppendEmpty()
	rm.Resource().Attributes().PutStr("service.instance.id", "db:5432")
	rm.Resource().Attributes().PutStr("who", "resource")
	sm := rm.ScopeMetrics().AppendEmpty()
	sm.Scope().SetName("scope/name")
	sm.Scope().SetVersion("1.2")
	sm.Scope().Attributes().PutStr("who", "scope")
	add := func(name string, temporality pmetric.AggregationTemporality, monotonic bool) {
		m := sm.Metrics().AppendEmpty()
		m.SetName(name)
		m.SetUnit("1")
		var dp pmetric.NumberDataPoint
		if temporality == pmetric.AggregationTemporalityUnspecified {
			dp = m.SetEmptyGauge().DataPoints().AppendEmpty()
		} else {
			s := m.SetEmptySum()
			s.SetAggregationTemporality(temporality)
			s.SetIsMonotonic(monotonic)
			dp = s.DataPoints().AppendEmpty()
		}
		dp.SetIntValue(7)
		dp.SetStartTimestamp(pcommon.Timestamp(1_000_000_000))
		dp.SetTimestamp(pcommon.Timestamp(11_000_000_000))
		dp.Attributes().PutStr("who", "point")
		dp.Attributes().PutEmptyMap("nested").PutInt("n", 1)
	}
	add("g", pmetric.AggregationTemporalityUnspecified, false)
	add("cum", pmetric.AggregationTemporalityCumulative, true)
	add("updown", pmetric.AggregationTemporalityCumulative, false)
	add("delta", pmetric.AggregationTemporalityDelta, true)
	add("deltaupdown", pmetric.AggregationTemporalityDelta, false)

	in := NewIngest()
	in.AddMetrics(md)
	want := map[string]string{"g": TypeGauge, "cum": TypeCumulativeCount, "updown": TypeGauge, "delta": TypeCount}
	if len(in.Events) != len(want) {
		t.Fatalf("%d events, want %d (the non-monotonic delta sum is not stored): %v", len(in.Events), len(want), in.Events)
	}
	for _, e := range in.Events {
		name := e.Attrs["metricName"].(string)
		if e.Type != "Metric" || e.Attrs[name] != (MetricValue{Type: want[name], Value: 7}) {
			t.Errorf("%s: %v", name, e)
		}
		wantStart, wantEnd := any(11000.0), any(nil) // ms; an interval only for counts
		if want[name] == TypeCount || want[name] == TypeCumulativeCount {
			wantStart, wantEnd = 1000.0, 11000.0
		}
		if e.Attrs["timestamp"] != wantStart || e.Attrs["endTimestamp"] != wantEnd {
			t.Errorf("%s: timestamp %v endTimestamp %v, want %v %v", name, e.Attrs["timestamp"], e.Attrs["endTimestamp"], wantStart, wantEnd)
		}
		for k, v := range map[string]any{"who": "point", "nested.n": 1.0, "otel.library.name": "scope/name", "otel.library.version": "1.2",
			"instrumentation.provider": "opentelemetry", "service.instance.id": "db:5432", "unit": "1"} {
			if e.Attrs[k] != v {
				t.Errorf("%s: %s = %v, want %v", name, k, e.Attrs[k], v)
			}
		}
	}
	if in.Dropped["non-monotonic delta sum (unsupported by New Relic): deltaupdown"] != 1 {
		t.Errorf("dropped = %v", in.Dropped)
	}
}

func TestIngestLogEventTypes(t *testing.T) {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("db.system.name", "postgresql")
	recs := rl.ScopeLogs().AppendEmpty().LogRecords()
	add := func(eventName string, attrs map[string]any, body string) {
		lr := recs.AppendEmpty()
		lr.SetEventName(eventName)
		if err := lr.Attributes().FromRaw(attrs); err != nil {
			t.Fatal(err)
		}
		lr.Body().SetStr(body)
	}
	add("db.server.top_query", nil, "")
	add("db.server.query_sample", nil, "")
	add("", map[string]any{"event.name": "db.server.query_plan"}, "") // older senders: the attribute
	add("db.server.plan_change", nil, "query plan changed")
	add("db.server.top_query", map[string]any{AttrEventType: "MyEvent"}, "")
	add("", nil, `{"Plan": {"Node Type": "Seq Scan", "Plans": [1, 2]}}`)
	big := map[string]any{}
	for i := range 300 {
		big[fmt.Sprint("k", i)] = i
	}
	add("", big, "")

	events := FromLogs(ld)
	for i, want := range []string{"DbServerTopQuery", "DbServerQuerySample", "DbServerQueryPlan", "Log", "MyEvent", "Log", "Log"} {
		if events[i].Type != want {
			t.Errorf("record %d: type %s, want %s", i, events[i].Type, want)
		}
	}
	if events[3].Attrs["event.name"] != "db.server.plan_change" || events[3].Attrs["message"] != "query plan changed" {
		t.Errorf("plan change as Log: %v", events[3])
	}
	if events[5].Attrs["Plan.Node Type"] != "Seq Scan" || events[5].Attrs["Plan.Plans"] != "[1,2]" {
		t.Errorf("a JSON body is exploded into attributes: %v", events[5])
	}
	in := NewIngest()
	in.AddLogs(ld)
	var over []string
	for reason := range in.Dropped {
		over = append(over, reason)
	}
	if len(over) != 1 || !strings.Contains(over[0], "over 255") {
		t.Errorf("dropped = %v, want the 300-attribute record counted", in.Dropped)
	}
}
