package enrich

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/dbintel/dbintel/internal/config"
	"github.com/dbintel/dbintel/pkg/pipeline"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

func TestActions(t *testing.T) {
	start := map[string]any{"a": "1", "b": int64(2)}
	tests := []struct {
		name string
		act  Action
		want map[string]any
	}{
		{"insert absent", Action{Action: ActInsert, Key: "c", Value: "x"}, map[string]any{"a": "1", "b": int64(2), "c": "x"}},
		{"insert present keeps", Action{Action: ActInsert, Key: "a", Value: "x"}, map[string]any{"a": "1", "b": int64(2)}},
		{"update present", Action{Action: ActUpdate, Key: "a", Value: true}, map[string]any{"a": true, "b": int64(2)}},
		{"update absent no-op", Action{Action: ActUpdate, Key: "c", Value: "x"}, map[string]any{"a": "1", "b": int64(2)}},
		{"upsert present", Action{Action: ActUpsert, Key: "b", Value: 1.5}, map[string]any{"a": "1", "b": 1.5}},
		{"upsert absent", Action{Action: ActUpsert, Key: "c", Value: 7}, map[string]any{"a": "1", "b": int64(2), "c": int64(7)}},
		{"delete", Action{Action: ActDelete, Key: "a"}, map[string]any{"b": int64(2)}},
		{"delete absent", Action{Action: ActDelete, Key: "z"}, map[string]any{"a": "1", "b": int64(2)}},
		{"rename", Action{Action: ActRename, Key: "b", NewKey: "n"}, map[string]any{"a": "1", "n": int64(2)}},
		{"rename overwrites", Action{Action: ActRename, Key: "b", NewKey: "a"}, map[string]any{"a": int64(2)}},
		{"rename absent", Action{Action: ActRename, Key: "z", NewKey: "n"}, map[string]any{"a": "1", "b": int64(2)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, target := range []string{"resource", "record"} {
				cfg := Config{}
				if target == "resource" {
					cfg.Resource = []Action{tt.act}
				} else {
					cfg.Attributes = []Action{tt.act}
				}
				e, err := New(cfg)
				if err != nil {
					t.Fatal(err)
				}
				b, attrsOf := batchAllSignals(t, start)
				if _, err := e.Process(context.Background(), b); err != nil {
					t.Fatal(err)
				}
				for sig, attrs := range attrsOf(target) {
					if got := attrs.AsRaw(); !equalRaw(got, tt.want) {
						t.Errorf("%s %s: got %v, want %v", target, sig, got, tt.want)
					}
				}
			}
		})
	}
}

// batchAllSignals builds one gauge point, one histogram point, one log record
// and one span, each with attrs on both resource and record.
func batchAllSignals(t *testing.T, attrs map[string]any) (pipeline.Batch, func(string) map[string]pcommon.Map) {
	t.Helper()
	b := pipeline.NewBatch()
	rm := b.Metrics.ResourceMetrics().AppendEmpty()
	ms := rm.ScopeMetrics().AppendEmpty().Metrics()
	gp := ms.AppendEmpty().SetEmptyGauge().DataPoints().AppendEmpty()
	hp := ms.AppendEmpty().SetEmptyHistogram().DataPoints().AppendEmpty()
	rl := b.Logs.ResourceLogs().AppendEmpty()
	lr := rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
	rs := b.Traces.ResourceSpans().AppendEmpty()
	sp := rs.ScopeSpans().AppendEmpty().Spans().AppendEmpty()
	res := map[string]pcommon.Map{"metrics": rm.Resource().Attributes(), "logs": rl.Resource().Attributes(), "traces": rs.Resource().Attributes()}
	rec := map[string]pcommon.Map{"gauge": gp.Attributes(), "histogram": hp.Attributes(), "logs": lr.Attributes(), "traces": sp.Attributes()}
	for _, m := range []map[string]pcommon.Map{res, rec} {
		for _, a := range m {
			if err := a.FromRaw(attrs); err != nil {
				t.Fatal(err)
			}
		}
	}
	return b, func(target string) map[string]pcommon.Map {
		if target == "resource" {
			return res
		}
		return rec
	}
}

func equalRaw(a, b map[string]any) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestActionsInOrder(t *testing.T) {
	e, err := New(Config{Attributes: []Action{
		{Action: ActRename, Key: "old", NewKey: "new"},
		{Action: ActUpdate, Key: "new", Value: "changed"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	md := pmetric.NewMetrics()
	p := md.ResourceMetrics().AppendEmpty().ScopeMetrics().AppendEmpty().Metrics().AppendEmpty().SetEmptySum().DataPoints().AppendEmpty()
	p.Attributes().PutStr("old", "v")
	if _, err := e.Process(context.Background(), pipeline.FromMetrics(md)); err != nil {
		t.Fatal(err)
	}
	if v, _ := p.Attributes().Get("new"); v.Str() != "changed" || p.Attributes().Len() != 1 {
		t.Fatalf("attrs = %v", p.Attributes().AsRaw())
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string // substring of the problem path, "" = valid
	}{
		{"ok", Config{Resource: []Action{{Action: ActUpsert, Key: "k", Value: "v"}}}, ""},
		{"unknown action", Config{Resource: []Action{{Action: "add", Key: "k"}}}, "resource[0].action"},
		{"missing key", Config{Attributes: []Action{{Action: ActDelete}}}, "attributes[0].key"},
		{"missing value", Config{Attributes: []Action{{Action: ActInsert, Key: "k"}}}, "attributes[0].value"},
		{"map value", Config{Attributes: []Action{{Action: ActInsert, Key: "k", Value: map[string]any{}}}}, "attributes[0].value"},
		{"rename without new_key", Config{Resource: []Action{{Action: ActRename, Key: "k"}}}, "resource[0].new_key"},
		{"delete with value", Config{Resource: []Action{{Action: ActDelete, Key: "k", Value: "v"}}}, "resource[0].value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if (err == nil) != (tt.want == "") || (err != nil && !strings.Contains(err.Error(), tt.want)) {
				t.Fatalf("Validate() = %v, want problem at %q", err, tt.want)
			}
		})
	}
}

func TestYAML(t *testing.T) {
	var wrap struct {
		Enrich Config `yaml:"enrich"`
	}
	wrap.Enrich = DefaultConfig()
	err := config.Parse([]byte("enrich:\n  resource:\n    - {action: insert, key: deployment.environment.name, value: prod}\n    - {action: upsert, key: tier, value: 3}\n"), func(string) (string, bool) { return "", false }, &wrap)
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(wrap.Enrich)
	if err != nil {
		t.Fatal(err)
	}
	md := pmetric.NewMetrics()
	rm := md.ResourceMetrics().AppendEmpty()
	if _, err := e.Process(context.Background(), pipeline.FromMetrics(md)); err != nil {
		t.Fatal(err)
	}
	if got := rm.Resource().Attributes().AsRaw(); got["deployment.environment.name"] != "prod" || got["tier"] != int64(3) {
		t.Fatalf("resource = %v", got)
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
		C Config `yaml:"enrich"`
	}
	wrap.C = DefaultConfig()
	if err := config.Parse(data, func(string) (string, bool) { return "", false }, &wrap); err != nil {
		t.Fatal(err)
	}
	if len(wrap.C.Resource) != 1 || wrap.C.Resource[0].Value != "production" {
		t.Fatalf("decoded %+v", wrap.C)
	}
	if _, err := New(wrap.C); err != nil {
		t.Fatal(err)
	}
}
