package main

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/dbintel/dbintel/internal/config"
)

// Kubernetes sets the gateway replicas as one comma-separated variable.
func TestGatewaysFromOneVariableOrAList(t *testing.T) {
	data, err := os.ReadFile("../../deploy/scraper.yaml")
	if err != nil {
		t.Fatal(err)
	}
	lookup := func(m map[string]string) func(string) (string, bool) {
		m["DBINTEL_POSTGRES_DSN"] = "postgres://u@127.0.0.1:5432/postgres"
		return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
	}
	for in, want := range map[string]Endpoints{
		"":                          nil,
		"gw-0.gw.ns.svc:4317":       {"gw-0.gw.ns.svc:4317"},
		" a:4317 , b:4317,":         {"a:4317", "b:4317"},
		"a:4317,b:4317,c.d.e:14317": {"a:4317", "b:4317", "c.d.e:14317"},
	} {
		cfg := defaultConfig()
		if err := config.Parse(data, lookup(map[string]string{"DBINTEL_GATEWAYS": in}), &cfg); err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		if !reflect.DeepEqual(cfg.Gateways, want) {
			t.Errorf("%q: gateways %q, want %q", in, cfg.Gateways, want)
		}
	}
	cfg := defaultConfig()
	err = config.Parse(data, lookup(map[string]string{"DBINTEL_GATEWAYS": "a:4317,b"}), &cfg)
	if err == nil || !strings.Contains(err.Error(), "gateways[1]") || !strings.Contains(err.Error(), "has no port") {
		t.Errorf("a bad entry must be named: %v", err)
	}
	cfg = defaultConfig()
	if err := config.Parse([]byte("postgres: {dsn: \"postgres://u@h/db\"}\ngateways: [a:4317, b:4317]\n"), lookup(map[string]string{}), &cfg); err != nil || len(cfg.Gateways) != 2 {
		t.Errorf("a YAML list: %v %v", cfg.Gateways, err)
	}
}
