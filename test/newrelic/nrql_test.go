package newrelic

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseTrickyQueries(t *testing.T) {
	for _, tc := range []struct {
		name, q string
		want    Usage
	}{
		{
			name: "filter ratio with nested arithmetic and no FROM first",
			q:    `SELECT filter(sum(postgresql.blocks_read), WHERE source = 'heap_hit') / (filter(sum(postgresql.blocks_read), WHERE source = 'heap_hit') + filter(sum(postgresql.blocks_read), WHERE source = 'heap_read')) * 100 AS 'Heap Cache Hit %' FROM Metric WHERE metricName = 'postgresql.blocks_read'`,
			want: Usage{EventTypes: []string{"Metric"}, MetricNames: []string{"postgresql.blocks_read"},
				Attributes: []string{"metricName", "source"},
				Values:     map[string][]string{"metricName": {"postgresql.blocks_read"}, "source": {"heap_hit", "heap_hit", "heap_read"}}},
		},
		{
			name: "backticks, IN list, template variable, rate with unit",
			q:    "FROM Metric SELECT rate(sum(`postgresql.commits`), 1 SECOND) WHERE metricName = 'postgresql.commits' AND otel.library.name IN ('a/nrpostgresqlreceiver', 'b/postgresqlreceiver') AND entity.name IN ({{entity_name}}) FACET db.namespace TIMESERIES",
			want: Usage{EventTypes: []string{"Metric"}, MetricNames: []string{"postgresql.commits"},
				Attributes: []string{"db.namespace", "entity.name", "metricName", "otel.library.name"},
				Values: map[string][]string{"metricName": {"postgresql.commits"}, "otel.library.name": {"a/nrpostgresqlreceiver", "b/postgresqlreceiver"},
					"entity.name": {"{{entity_name}}"}}},
		},
		{
			name: "event query: IS NOT NULL, != '', two facets, LIMIT MAX, SINCE/UNTIL",
			q:    `FROM DbServerQuerySample SELECT count(*) AS 'Samples' WHERE postgresql.wait_event IS NOT NULL AND postgresql.wait_event != '' FACET postgresql.wait_event, postgresql.pid TIMESERIES AUTO LIMIT MAX SINCE 30 minutes ago UNTIL now`,
			want: Usage{EventTypes: []string{"DbServerQuerySample"},
				Attributes: []string{"postgresql.pid", "postgresql.wait_event"},
				Values:     map[string][]string{"postgresql.wait_event": {""}}},
		},
		{
			name: "raw attributes with ORDER BY and a numeric comparison",
			q:    "FROM DbServerTopQuery SELECT db.query.text, mysql.events_statements_summary_by_digest.digest WHERE db.system.name = 'mysql' AND mysql.blocking.blocker.count > 0 ORDER BY `mysql.events_statements_summary_by_digest.sum_timer_wait` DESC LIMIT 20",
			want: Usage{EventTypes: []string{"DbServerTopQuery"},
				Attributes: []string{"db.query.text", "db.system.name", "mysql.blocking.blocker.count", "mysql.events_statements_summary_by_digest.digest", "mysql.events_statements_summary_by_digest.sum_timer_wait"},
				Values:     map[string][]string{"db.system.name": {"mysql"}, "mysql.blocking.blocker.count": {"0"}}},
		},
		{
			name: "latest minus earliest, division inside rate, LIKE and OR, NOT IN",
			q:    "FROM Metric SELECT latest(`mysql.table.io.wait.time`) - earliest(`mysql.table.io.wait.time`), rate(sum(postgresql.temp.io)/1048576, 1 minute) WHERE (kind LIKE 'data%' OR kind = 'index') AND operation NOT IN ('x') AND NOT status = 'y'",
			want: Usage{EventTypes: []string{"Metric"}, MetricNames: []string{"mysql.table.io.wait.time", "postgresql.temp.io"},
				Attributes: []string{"kind", "operation", "status"},
				Values:     map[string][]string{"kind": {"data%", "index"}, "operation": {"x"}, "status": {"y"}}},
		},
		{
			name: "uniques over an attribute on Metric is not a metric name",
			q:    " FROM Metric SELECT uniques(entity.name) WHERE otel.library.name = 'x'",
			want: Usage{EventTypes: []string{"Metric"}, Attributes: []string{"entity.name", "otel.library.name"},
				Values: map[string][]string{"otel.library.name": {"x"}}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q, err := Parse(tc.q)
			if err != nil {
				t.Fatal(err)
			}
			got := q.Use()
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %#v\nwant %#v", got, tc.want)
			}
		})
	}
}

func TestParseRejectsBrokenQueries(t *testing.T) {
	for _, q := range []string{
		"",
		"SELECT count(*)",                   // no FROM
		"FROM Metric",                       // no SELECT
		"FROM Metric SELECT sum(x WHERE",    // unterminated call
		"FROM Metric SELECT `x",             // unterminated backtick
		"FROM Metric SELECT x WHERE y = 'z", // unterminated string
		"FROM Metric SELECT x WHERE y IN ('a' 'b')", // missing comma
		"FROM Metric SELECT x WHERE y IS z",
		"FROM Metric SELECT x WHERE y IN ({{v)",
		"FROM Metric SELECT x ; DROP",
		strings.Repeat("(", 50),
	} {
		if _, err := Parse(q); err == nil {
			t.Errorf("Parse(%q) accepted", q)
		}
	}
}

// Every query of the reference dashboards parses, and each Metric widget
// names at least one metric.
func TestParseEveryReferenceQuery(t *testing.T) {
	for _, d := range loadReferenceDashboards(t) {
		n := 0
		for _, w := range d.Widgets() {
			for _, raw := range w.Queries {
				q, err := Parse(raw)
				if err != nil {
					t.Errorf("%s / %s: %v", d.ID, w.Title, err)
					continue
				}
				n++
				if u := q.Use(); u.EventTypes[0] == "Metric" && len(u.MetricNames) == 0 && !strings.Contains(raw, "uniques(") {
					t.Errorf("%s / %s: no metric name found in %q", d.ID, w.Title, raw)
				}
			}
		}
		if n == 0 {
			t.Errorf("%s: no queries", d.ID)
		}
	}
}
