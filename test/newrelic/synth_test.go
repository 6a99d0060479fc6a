package newrelic

import (
	"path/filepath"
	"testing"
)

// New Relic's own sample records (entity-definitions tests/) synthesize the
// entities its rules are written for: the evaluator reads the rules as New
// Relic does.
func TestSynthesisOfNewRelicsSampleRecords(t *testing.T) {
	defs, _ := loadReference(t)
	all := append(append([]*Definition(nil), defs["postgresql"]...), defs["mysql"]...)
	dir := testdata("entity-definitions", "entity-types")
	for _, tc := range []struct {
		file, typ, name, rule string
	}{
		{"infra-postgresqlinstance/tests/Metric.json", "POSTGRESQLINSTANCE", "localhost:5432", "infra_postgresqlinstance_service_instance_id"},
		{"infra-postgresqlinstance/tests/Log.stg.json", "POSTGRESQLINSTANCE", "localhost:5432", "infra_postgresqlinstance_otel_logs"},
		{"infra-mysqlnode/tests/Metric.json", "MYSQLNODE", "mysql.cluster.local:3309", "infra_mysqlnode_mysql_instance_endpoint"},
		{"infra-mysqlnode/tests/Log.json", "MYSQLNODE", "mysql.cluster.local:3309", "infra_mysqlnode_otel_logs"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			events := loadFixture(t, filepath.Join(dir, tc.file))
			ents, byRule := Synthesize(events, all, testAccount)
			if len(ents) != 1 || ents[0].Type != tc.typ || ents[0].Name != tc.name {
				t.Fatalf("entities = %+v, want one %s named %s", ents, tc.typ, tc.name)
			}
			if byRule[tc.typ+"/"+tc.rule] != len(events) {
				t.Errorf("rules matched %v, want all %d records by %s", byRule, len(events), tc.rule)
			}
			for _, e := range events {
				if e.Attrs["entity.guid"] != ents[0].GUID {
					t.Errorf("record without the entity's guid: %v", e)
				}
			}
		})
	}
}

func TestSynthesisConditions(t *testing.T) {
	defs, _ := loadReference(t)
	all := append(append([]*Definition(nil), defs["postgresql"]...), defs["mysql"]...)
	metric := func(attrs map[string]any) Event {
		a := map[string]any{"instrumentation.provider": "opentelemetry"}
		for k, v := range attrs {
			a[k] = v
		}
		return Event{Type: "Metric", Attrs: a}
	}
	for _, tc := range []struct {
		name  string
		ev    Event
		wantN int
	}{
		{"postgres metric without service.instance.id", metric(map[string]any{"metricName": "postgresql.backends"}), 0},
		{"empty identifier", metric(map[string]any{"metricName": "postgresql.backends", "service.instance.id": ""}), 0},
		{"not opentelemetry", Event{Type: "Metric", Attrs: map[string]any{"metricName": "postgresql.backends", "service.instance.id": "h:1"}}, 0},
		{"mysql metric keyed on mysql.instance.endpoint", metric(map[string]any{"metricName": "mysql.threads", "mysql.instance.endpoint": "h:3306"}), 1},
		{"mariadb log is not a mysql entity", Event{Type: "Log", Attrs: map[string]any{"instrumentation.provider": "opentelemetry", "db.system.name": "mariadb", "mysql.instance.endpoint": "h:3306"}}, 0},
		{"curated event matches as the Log it arrives as", Event{Type: "DbServerTopQuery", Attrs: map[string]any{"instrumentation.provider": "opentelemetry", "db.system.name": "postgresql", "service.instance.id": "h:5432"}}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ents, _ := Synthesize([]Event{tc.ev}, all, testAccount)
			if len(ents) != tc.wantN {
				t.Errorf("entities = %+v, want %d", ents, tc.wantN)
			}
		})
	}
}
