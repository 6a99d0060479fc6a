package newrelic

import (
	"strings"
	"testing"
)

func metricEvent(name string, v MetricValue, attrs map[string]any) Event {
	a := map[string]any{"metricName": name, name: v, "otel.library.name": "lib"}
	for k, x := range attrs {
		a[k] = x
	}
	return Event{Type: "Metric", Attrs: a}
}

func TestCheckQuery(t *testing.T) {
	store := NewStore([]Event{
		metricEvent("c.delta", MetricValue{Type: TypeCount, Value: 1}, map[string]any{"db.namespace": "a"}),
		metricEvent("c.cum", MetricValue{Type: TypeCumulativeCount, Value: 5}, map[string]any{"db.namespace": "a"}),
		metricEvent("g", MetricValue{Type: TypeGauge, Value: 2}, map[string]any{"source": "heap_hit"}),
		metricEvent("g", MetricValue{Type: TypeGauge, Value: 2}, map[string]any{"source": "heap_read"}),
		{Type: "DbServerTopQuery", Attrs: map[string]any{"calls": 3.0, "text": "SELECT ?", "queryid": "12"}},
	})
	for _, tc := range []struct {
		q    string
		want string // substring of the problem; "" = satisfiable
	}{
		{"FROM Metric SELECT rate(sum(`c.delta`), 1 SECOND) WHERE metricName = 'c.delta' FACET db.namespace TIMESERIES", ""},
		{"FROM Metric SELECT latest(c.cum) - earliest(c.cum) WHERE metricName = 'c.cum' FACET db.namespace", ""},
		{"FROM Metric SELECT latest(c.delta) WHERE metricName = 'c.delta'", "latest() of a delta counter"},
		{"FROM Metric SELECT rate(sum(g), 1 minute)", "rate() of a gauge"},
		{"FROM Metric SELECT average(g) WHERE metricName = 'g' FACET db.namespace", "FACET db.namespace absent"},
		{"FROM Metric SELECT filter(sum(g), WHERE source = 'heap_hit') / filter(sum(g), WHERE source = 'heap_read')", ""},
		{"FROM Metric SELECT filter(sum(g), WHERE source = 'idx_hit')", `filter WHERE (source = 'idx_hit') matches nothing (source seen: ["heap_hit" "heap_read"])`},
		{"FROM Metric SELECT average(missing) WHERE metricName = 'missing'", "matches none of 4 Metric events (3 metric names)"},
		{"FROM Metric SELECT average(g) WHERE otel.library.name IN ('other')", `otel.library.name seen: ["lib"]`},
		{"FROM Metric SELECT count(*) WHERE metricName = 'g' AND source = 'heap_hit' AND db.namespace = 'a'", "never all at once"},
		{"FROM DbServerTopQuery SELECT sum(calls), latest(text), latest(queryid) FACET queryid", ""},
		{"FROM DbServerTopQuery SELECT sum(text)", "sum() needs a number"},
		{"FROM DbServerTopQuery SELECT text WHERE text != '' AND calls > 2 ORDER BY calls", ""},
		{"FROM DbServerTopQuery SELECT count(*) WHERE calls > 3", "matches none"},
		{"FROM DbServerQuerySample SELECT count(*)", "no DbServerQuerySample events"},
	} {
		q, err := Parse(tc.q)
		if err != nil {
			t.Fatalf("%s: %v", tc.q, err)
		}
		got := strings.Join(store.CheckQuery(q, nil, nil), "; ")
		if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
			t.Errorf("%s\n  problems: %q\n  want: %q", tc.q, got, tc.want)
		}
	}
}

func TestCheckDashboardVariablesAndScope(t *testing.T) {
	events := []Event{
		metricEvent("m", MetricValue{Type: TypeGauge, Value: 1}, map[string]any{"entity.name": "db:1", "entity.guid": "A"}),
		{Type: "DbServerTopQuery", Attrs: map[string]any{"entity.name": "other:2", "entity.guid": "B", "calls": 1.0}},
	}
	store := NewStore(events)
	d := &Dashboard{ID: "d", Variables: []Variable{{Name: "entity_name", NRQLQuery: &NRQLQuery{Query: "FROM Metric SELECT uniques(entity.name)"}}}}
	d.Pages = []Page{{Name: "p", Widgets: []WidgetJSON{{Title: "metric"}, {Title: "events"}}}}
	d.Pages[0].Widgets[0].RawConfiguration.NRQLQueries = []NRQLQuery{{Query: "FROM Metric SELECT average(m) WHERE entity.name IN ({{entity_name}})"}}
	d.Pages[0].Widgets[1].RawConfiguration.NRQLQueries = []NRQLQuery{{Query: "FROM DbServerTopQuery SELECT sum(calls) WHERE entity.name IN ({{entity_name}})"}}
	res, err := store.CheckDashboard(d, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !res[0].Populated || res[1].Populated {
		t.Errorf("want the metric widget populated and the event widget not (its entity is not one the variable offers): %+v", res)
	}
	res, _ = store.CheckDashboard(d, EntityScope("B"))
	if res[0].Populated || !strings.Contains(res[0].Problems[0], "for this entity") {
		t.Errorf("an entity dashboard sees only its entity's records: %+v", res[0])
	}
}

// New Relic's own sample records light up the widgets that read them, and
// the same records under another instrumentation scope do not: the check
// is as strict as the quickstart's otel.library.name filter.
func TestReferenceWidgetsOnNewRelicsSampleRecords(t *testing.T) {
	defs, dashes := loadReference(t)
	find := func(id, title string) (*Dashboard, Widget) {
		for _, d := range dashes["postgresql"] {
			for _, w := range d.Widgets() {
				if d.ID == id && w.Title == title {
					return d, w
				}
			}
		}
		t.Fatalf("no widget %s / %s", id, title)
		return nil, Widget{}
	}
	for _, scope := range []string{"github.com/open-telemetry/opentelemetry-collector-contrib/receiver/postgresqlreceiver", "github.com/dbintel/dbintel/pkg/scrape/postgres"} {
		events := loadFixture(t, testdata("entity-definitions", "entity-types", "infra-postgresqlinstance", "tests", "Metric.json"))
		for _, e := range events {
			e.Attrs["otel.library.name"] = scope
		}
		ents, _ := Synthesize(events, defs["postgresql"], testAccount)
		store := NewStore(events)
		for _, id := range []string{"quickstart:postgresql-otel", "entity:infra-postgresqlinstance"} {
			title := map[string]string{"quickstart:postgresql-otel": "postgresql.rows", "entity:infra-postgresqlinstance": "Live vs Dead Rows"}[id]
			d, w := find(id, title)
			var sc Scope
			if d.Scope == "entity" {
				sc = EntityScope(ents[0].GUID)
			}
			res, err := store.CheckDashboard(&Dashboard{ID: d.ID, Variables: d.Variables, Pages: []Page{pageOf(d, w)}}, sc)
			if err != nil {
				t.Fatal(err)
			}
			// The entity dashboard does not filter on the scope; the
			// quickstart does.
			want := id == "entity:infra-postgresqlinstance" || !strings.Contains(scope, "dbintel")
			if res[0].Populated != want {
				t.Errorf("scope %s, %s / %s: populated %v, want %v: %v", scope, id, title, res[0].Populated, want, res[0].Problems)
			}
		}
	}
}

// pageOf returns a page holding only widget w of d.
func pageOf(d *Dashboard, w Widget) Page {
	for _, p := range d.Pages {
		for _, ww := range p.Widgets {
			if p.Name == w.Page && ww.Title == w.Title {
				return Page{Name: p.Name, Widgets: []WidgetJSON{ww}}
			}
		}
	}
	return Page{}
}

func TestCheckUnits(t *testing.T) {
	ev := metricEvent("wait.time", MetricValue{Type: TypeGauge, Value: 1}, map[string]any{"unit": "s"})
	store := NewStore([]Event{ev})
	for _, tc := range []struct {
		title, query string
		want         string
	}{
		{"t", "FROM Metric SELECT latest(`wait.time`) AS 'wait.time (ns)'", `wait.time is shown in ns but sent with unit "s"`},
		{"Wait (ms)", "FROM Metric SELECT latest(`wait.time`)", `shown in ms`},
		{"t", "FROM Metric SELECT latest(`wait.time`) AS 'wait.time (seconds)'", ""},
		{"t", "FROM Metric SELECT latest(`wait.time`)/1073741824 AS 'Size (GB)'", `shown in By`},
	} {
		q, err := Parse(tc.query)
		if err != nil {
			t.Fatal(err)
		}
		got := strings.Join(store.checkUnits(q, tc.title, nil), "; ")
		if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
			t.Errorf("%s / %s: %q, want %q", tc.title, tc.query, got, tc.want)
		}
	}
}
