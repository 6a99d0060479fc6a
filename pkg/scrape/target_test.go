package scrape

import (
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/dbintel/dbintel/internal/config"
)

func TestTargetIdentity(t *testing.T) {
	for _, tc := range []struct {
		system, addr string
		port         int
		wantID       string
		wantSystem   string
		mysqlEnd     bool
	}{
		{"postgresql", "db1.example", 5432, "db1.example:5432", "postgresql", false},
		{"postgresql", "::1", 5433, "[::1]:5433", "postgresql", false},
		{"mysql", "db2", 3306, "db2:3306", "mysql", true},
		// MariaDB is a MySQL entity for New Relic; the product tells them apart.
		{"mariadb", "db3", 3307, "db3:3307", "mysql", true},
	} {
		tg := NewTarget(tc.system, tc.addr, tc.port, map[string]string{"deployment.environment.name": "prod", "server.address": "evil", "mysql.instance.endpoint": "evil"})
		r := pcommon.NewResource()
		tg.FillResource(r)
		got := r.Attributes().AsRaw()
		want := map[string]any{"db.system.name": tc.wantSystem, "dbintel.db.product": tc.system, "server.address": tc.addr,
			"server.port": int64(tc.port), "service.instance.id": tc.wantID, "deployment.environment.name": "prod"}
		if tc.mysqlEnd {
			want["mysql.instance.endpoint"] = tc.wantID
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s %s: %s = %v, want %v", tc.system, tc.addr, k, got[k], v)
			}
		}
		if _, ok := got["mysql.instance.endpoint"]; ok != tc.mysqlEnd {
			t.Errorf("%s: mysql.instance.endpoint present = %v", tc.system, ok)
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
		{"delta", func(c *Config) { c.Temporality = Delta }, nil},
		{"temporality", func(c *Config) { c.Temporality = "Cumulative " }, []string{"temporality"}},
		{"no temporality", func(c *Config) { c.Temporality = "" }, []string{"temporality"}},
	}
	if DefaultConfig().Temporality != Cumulative {
		t.Fatal("default temporality is not cumulative, which New Relic's views read")
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
