package status

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dbintel/dbintel/pkg/pipeline"
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/collector/pdata/plog"
)

// fixture runs a real chain so the page reads real self-metrics: a stage
// that drops one record in three, plus a breaker gauge and a PII counter as
// the gateway's stages register them.
func fixture(t *testing.T) (*prometheus.Registry, Source) {
	t.Helper()
	reg := prometheus.NewRegistry()
	dropThird := pipeline.StageFunc(func(_ context.Context, b pipeline.Batch) (pipeline.Batch, error) {
		i := 0
		b.Logs.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().RemoveIf(func(plog.LogRecord) bool { i++; return i%3 == 0 })
		return b, nil
	})
	chain := pipeline.NewChain(reg, pipeline.ConsumerFunc(func(context.Context, pipeline.Batch) error { return nil }),
		pipeline.NamedStage{Name: "sample", Stage: dropThird})
	ld := plog.NewLogs()
	recs := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
	for range 9 {
		recs.AppendEmpty()
	}
	if err := chain.Consume(context.Background(), pipeline.FromLogs(ld)); err != nil {
		t.Fatal(err)
	}
	state := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "dbintel_breaker_state"}, []string{"key"})
	state.WithLabelValues("postgresql://db1:5432").Set(2)
	state.WithLabelValues("postgresql://db2:5432").Set(0)
	pii := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "dbintel_verify_pii_found_total"}, []string{"type", "action"})
	pii.WithLabelValues("email", "redact").Add(4)
	pii.WithLabelValues("card", "redact").Add(1)
	reg.MustRegister(state, pii)
	src := Source{Version: "test", Started: time.Now().Add(-time.Minute), Stages: chain.StageNames, Ready: func() error { return errors.New("backend answered 401") },
		PlanChanges: func() []PlanChange {
			return []PlanChange{{At: time.Now(), Database: "postgresql://db1:5432/app", QueryID: "42", OldHash: "aaaa", NewHash: "bbbb", OldCost: 10, NewCost: 900}}
		}}
	return reg, src
}

func TestJSONReportsFlowBreakersAndPII(t *testing.T) {
	reg, src := fixture(t)
	srv := httptest.NewServer(Handler(reg, src))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/api/status")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var rep Report
	if err := json.NewDecoder(resp.Body).Decode(&rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Stages) != 1 || rep.Stages[0].In != 9 || rep.Stages[0].Out != 6 || rep.Stages[0].Dropped != 3 {
		t.Fatalf("stages = %+v", rep.Stages)
	}
	// One row per server, the open breaker first, the plan change's
	// database under its server.
	if len(rep.Sources) != 2 || rep.Sources[0].Key != "postgresql://db1:5432" || rep.Sources[0].BreakerState != "open" ||
		rep.Sources[0].Kind != "PostgreSQL server" || rep.Sources[1].BreakerState != "closed" {
		t.Fatalf("sources = %+v", rep.Sources)
	}
	if dbs := rep.Sources[0].Databases; len(dbs) != 1 || dbs[0].Name != "app" || dbs[0].PlanChanges != 1 {
		t.Fatalf("databases of %s = %+v", rep.Sources[0].Key, dbs)
	}
	if c := rep.PlanChanges; len(c) != 1 || c[0].Server != "postgresql://db1:5432" || c[0].Database != "app" {
		t.Fatalf("plan changes = %+v", c)
	}
	if len(rep.PII) != 2 || rep.PII[1].Name != "email" || rep.PII[1].Value != 4 {
		t.Fatalf("pii = %+v", rep.PII)
	}
	if rep.Ready || !strings.Contains(rep.NotReady, "401") || len(rep.PlanChanges) != 1 {
		t.Fatalf("ready %v %q, plan changes %d", rep.Ready, rep.NotReady, len(rep.PlanChanges))
	}
}

func TestUnknownPathIs404(t *testing.T) {
	reg, src := fixture(t)
	srv := httptest.NewServer(Handler(reg, src))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/nope")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("status %d", resp.StatusCode)
	}
}

// TestAPIKeysAreSnakeCase walks every key of /api/status: no Go field
// names (Received, MeanMicros) reach the JSON.
func TestAPIKeysAreSnakeCase(t *testing.T) {
	reg, src := fixture(t)
	srv := httptest.NewServer(Handler(reg, src))
	defer srv.Close()
	var doc any
	if err := json.Unmarshal(get(t, srv.URL+"/api/status"), &doc); err != nil {
		t.Fatal(err)
	}
	snake := regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)
	var walk func(path string, v any)
	n := 0
	walk = func(path string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, e := range v {
				n++
				if !snake.MatchString(k) {
					t.Errorf("%s.%s is not snake_case", path, k)
				}
				walk(path+"."+k, e)
			}
		case []any:
			for _, e := range v {
				walk(path+"[]", e)
			}
		case nil:
			if !strings.HasSuffix(path, ".budget_keep_rate") {
				t.Errorf("%s is null", path)
			}
		}
	}
	walk("", doc)
	if n < 40 {
		t.Errorf("only %d keys walked", n)
	}
}

func TestHumanUnits(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{size(0), "0 B"}, {size(1536), "1.5 KiB"}, {size(12216616), "11.7 MiB"}, {size(3 << 30), "3.0 GiB"},
		{took(24.86e-6), "24.9 µs"}, {took(0.0125), "12.50 ms"}, {took(2), "2.00 s"},
		{uptime(0), "0 s"}, {uptime(47), "47 s"}, {uptime(3723), "1 h 2 min"}, {uptime(90000), "1 d 1 h"}, {uptime(3600), "1 h"},
		{rate(0), "0.0/s"}, {rate(0.5), "30.0/min"}, {rate(16.6), "16.6/s"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

// TestPlanChangeServerAndDatabase: the extractor names a change
// "key/database"; a known key wins even when the database name or a
// hostile address holds slashes.
func TestPlanChangeServerAndDatabase(t *testing.T) {
	known := map[string]*SourceRow{"postgresql://db1:5432": nil, "mysql://a/b:3306": nil}
	for _, c := range []struct{ in, server, db string }{
		{"postgresql://db1:5432/app", "postgresql://db1:5432", "app"},
		{"postgresql://db1:5432/a/b", "postgresql://db1:5432", "a/b"},
		{"postgresql://db1:5432", "postgresql://db1:5432", ""},
		{"mysql://a/b:3306/shop", "mysql://a/b:3306", "shop"},
		{"mysql://a/b:3306", "mysql://a/b:3306", ""},
		{"postgresql://gone:5432/app", "postgresql://gone:5432", "app"}, // evicted from breaker and sampler
		{"service:checkout", "service:checkout", ""},
		{"", "", ""},
	} {
		if s, d := split(c.in, known); s != c.server || d != c.db {
			t.Errorf("split(%q) = %q, %q; want %q, %q", c.in, s, d, c.server, c.db)
		}
	}
}

// TestSchemaDocumented: docs/status-api.md has a row for every field of
// /api/status, and no row for a field that is gone.
func TestSchemaDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/status-api.md")
	if err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	for _, m := range regexp.MustCompile("(?m)^\\| `([^`]+)` \\|").FindAllStringSubmatch(string(doc), -1) {
		documented[m[1]] = true
	}
	fields := map[string]bool{}
	var walk func(prefix string, typ reflect.Type)
	walk = func(prefix string, typ reflect.Type) {
		for typ.Kind() == reflect.Pointer || typ.Kind() == reflect.Slice {
			if typ.Kind() == reflect.Slice {
				prefix += "[]"
				fields[prefix] = true
			}
			typ = typ.Elem()
		}
		if typ.Kind() != reflect.Struct || typ == reflect.TypeFor[time.Time]() {
			fields[prefix] = true
			return
		}
		if typ == reflect.TypeFor[Count]() && prefix != "" {
			prefix = "{name, value}" // documented once
		}
		for f := range typ.Fields() {
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if !f.IsExported() || name == "" {
				continue
			}
			walk(strings.TrimPrefix(prefix+"."+name, "."), f.Type)
		}
	}
	walk("", reflect.TypeFor[Report]())
	for f := range fields {
		if !documented[f] {
			t.Errorf("field %s is not in docs/status-api.md", f)
		}
	}
	for f := range documented {
		if !fields[f] {
			t.Errorf("docs/status-api.md documents %s, which /api/status does not have", f)
		}
	}
}
