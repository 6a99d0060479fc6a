package dbbreaker

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/dbintel/dbintel/internal/config"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"default", func(*Config) {}, ""},
		{"interval", func(c *Config) { c.Interval = 0 }, "interval"},
		{"negative budget", func(c *Config) { c.VolumePerMinute = -1 }, "volume_per_minute"},
		{"max below first timeout", func(c *Config) { c.MaxOpenTimeout = c.OpenTimeout / 2 }, "max_open_timeout"},
		{"healthy intervals", func(c *Config) { c.HealthyIntervals = 0 }, "healthy_intervals"},
		{"keys", func(c *Config) { c.MaxKeys = 0 }, "max_keys"},
		{"series memory", func(c *Config) { c.SeriesMemory = 0 }, "series_memory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := DefaultConfig()
			tt.edit(&c)
			err := c.Validate()
			if (err == nil) != (tt.want == "") || (err != nil && !strings.HasPrefix(err.Error(), tt.want+":")) {
				t.Fatalf("Validate() = %v, want problem at %q", err, tt.want)
			}
		})
	}
}

func TestYAML(t *testing.T) {
	var wrap struct {
		Breaker Config `yaml:"breaker"`
	}
	wrap.Breaker = DefaultConfig()
	doc := "breaker:\n  volume_per_minute: 1000\n  open_timeout: 1m\n  healthy_intervals: 5\n"
	if err := config.Parse([]byte(doc), func(string) (string, bool) { return "", false }, &wrap); err != nil {
		t.Fatal(err)
	}
	if c := wrap.Breaker; c.VolumePerMinute != 1000 || c.OpenTimeout != time.Minute || c.HealthyIntervals != 5 || c.Interval != 10*time.Second {
		t.Fatalf("decoded %+v", c)
	}
	if err := config.Parse([]byte("breaker:\n  volume: 1\n"), func(string) (string, bool) { return "", false }, &wrap); err == nil {
		t.Fatal("unknown key accepted")
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
		C Config `yaml:"breaker"`
	}
	wrap.C = DefaultConfig()
	if err := config.Parse(data, func(string) (string, bool) { return "", false }, &wrap); err != nil {
		t.Fatal(err)
	}
	if wrap.C != DefaultConfig() {
		t.Fatalf("example differs from the defaults:\n%+v\n%+v", wrap.C, DefaultConfig())
	}
	if _, err := New(wrap.C, nil, nil, nil); err != nil {
		t.Fatal(err)
	}
}
