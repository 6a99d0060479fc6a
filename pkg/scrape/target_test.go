package scrape

import (
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/dbintel/dbintel/internal/config"
)

func TestTargetIdentity(t *testing.T) {
	a := NewTarget("postgresql", "db1.example", 5432, nil)
	if a.InstanceID != NewTarget("postgresql", "db1.example", 5432, map[string]string{"x": "y"}).InstanceID {
		t.Fatal("instance id not stable for the same server")
	}
	for _, other := range []Target{
		NewTarget("postgresql", "db1.example", 5433, nil),
		NewTarget("mysql", "db1.example", 5432, nil),
		NewTarget("postgresql", "db2.example", 5432, nil),
	} {
		if other.InstanceID == a.InstanceID {
			t.Fatalf("%s shares the instance id of %s", other.Name(), a.Name())
		}
	}
	// A loopback address names a different server on every host, so the
	// host name must be part of its id.
	for addr, want := range map[string]bool{"127.0.0.1": true, "localhost": true, "::1": true, "/var/run/postgresql": true, "10.0.0.1": false, "db1": false} {
		if got := isLoopback(addr); got != want {
			t.Errorf("isLoopback(%q) = %v, want %v", addr, got, want)
		}
	}
}

func TestFillResourceLabelsCannotOverrideIdentity(t *testing.T) {
	tg := NewTarget("postgresql", "db1", 5432, map[string]string{"deployment.environment.name": "prod", "server.address": "evil"})
	r := pcommon.NewResource()
	tg.FillResource(r)
	want := map[string]any{"db.system.name": "postgresql", "server.address": "db1", "server.port": int64(5432),
		"service.instance.id": tg.InstanceID, "deployment.environment.name": "prod"}
	got := r.Attributes().AsRaw()
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name  string
		mod   func(*Config)
		paths []string
	}{
		{"defaults", func(*Config) {}, nil},
		{"reserved label", func(c *Config) { c.Labels["host.name"] = "x" }, []string{"labels.host.name"}},
		{"zero breaker", func(c *Config) { c.Breaker = BreakerConfig{} }, []string{"breaker.failures", "breaker.slow_call", "breaker.open_timeout"}},
		{"recheck", func(c *Config) { c.RecheckInterval = 0 }, []string{"recheck_interval"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := DefaultConfig()
			tt.mod(&c)
			err := c.Validate()
			var got []string
			if p, ok := err.(config.Problems); ok {
				for _, q := range p {
					got = append(got, q.Path)
				}
			}
			if strings.Join(got, ",") != strings.Join(tt.paths, ",") {
				t.Fatalf("problems at %v, want %v (err %v)", got, tt.paths, err)
			}
		})
	}
}
