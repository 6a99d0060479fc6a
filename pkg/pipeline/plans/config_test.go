package plans

import (
	"strings"
	"testing"

	"github.com/dbintel/dbintel/internal/config"
)

func TestConfig(t *testing.T) {
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatalf("defaults invalid: %v", err)
	}
	tests := []struct {
		yaml string
		want []string // problem paths
	}{
		{"enabled: false\nbody_attribute: plan\nmax_plan_bytes: 1024\nmax_depth: 50\nchange_cache_size: 10", nil},
		{"max_plan_bytes: 0\nmax_depth: 1\nchange_cache_size: 0", []string{"max_plan_bytes", "max_depth", "change_cache_size"}},
		{"max_depth: 20000", []string{"max_depth"}},
	}
	for _, tc := range tests {
		cfg := DefaultConfig()
		err := config.Parse([]byte(tc.yaml), func(string) (string, bool) { return "", false }, &cfg)
		var paths []string
		if p, ok := err.(config.Problems); ok {
			for _, q := range p {
				paths = append(paths, q.Path)
			}
		} else if err != nil {
			t.Fatalf("%q: %v", tc.yaml, err)
		}
		if strings.Join(paths, ",") != strings.Join(tc.want, ",") {
			t.Errorf("%q: problems at %v, want %v", tc.yaml, paths, tc.want)
		}
	}
	cfg := DefaultConfig()
	if err := config.Parse([]byte("max_plan_byte: 5"), func(string) (string, bool) { return "", false }, &cfg); err == nil {
		t.Error("unknown key accepted")
	}
	if _, err := New(Config{}, nil, nil); err == nil {
		t.Error("New accepted an invalid config")
	}
}
