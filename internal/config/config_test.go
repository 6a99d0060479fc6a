package config

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

type inner struct {
	Endpoint string        `yaml:"endpoint"`
	Timeout  time.Duration `yaml:"timeout"`
	Key      Secret        `yaml:"key"`
	Insecure bool          `yaml:"insecure"`
}

func (c inner) Validate() error {
	var p Problems
	if c.Endpoint == "" {
		p.Add("endpoint", "must be set")
	}
	if c.Timeout <= 0 {
		p.Add("timeout", "must be positive, got %s", c.Timeout)
	}
	return p.Err()
}

type outer struct {
	Name    string `yaml:"name"`
	Forward inner  `yaml:"forward"`
}

func (c outer) Validate() error {
	var p Problems
	p.Merge("forward", c.Forward.Validate())
	return p.Err()
}

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestParseExpandsEnvAndKeepsDefaults(t *testing.T) {
	cfg := outer{Name: "default", Forward: inner{Endpoint: "x", Timeout: time.Second}}
	yml := "forward:\n  endpoint: ${env:EP:-localhost:4317}\n  key: ${env:KEY}\n  insecure: ${env:INSEC:-true}\n  timeout: ${env:TO:-5s}\n"
	err := Parse([]byte(yml), env(map[string]string{"KEY": "s3cr#t: x"}), &cfg)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Name != "default" || cfg.Forward.Endpoint != "localhost:4317" || cfg.Forward.Key.Value() != "s3cr#t: x" || !cfg.Forward.Insecure || cfg.Forward.Timeout != 5*time.Second {
		t.Fatalf("got %+v", cfg)
	}
	if s := fmt.Sprintf("%v %s %+v", cfg.Forward.Key, cfg.Forward.Key, cfg); strings.Contains(s, "s3cr") {
		t.Fatalf("secret printed: %s", s)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, yml, want string
	}{
		{"unset env", "forward:\n  key: ${env:NOPE}\n", "forward.key: line 2: environment variable NOPE is not set"},
		{"unknown key", "forward:\n  endpont: x\n", `forward.endpont: line 2: unknown key "endpont" (did you mean "endpoint"?)`},
		{"far from any key", "forward:\n  colour: x\n", `unknown key "colour" (valid keys: endpoint, insecure, key, timeout)`},
		{"bad duration", "forward:\n  timeout: ten\n", "forward.timeout: line 2: must be a duration such as 30s or 1m, got a string"},
		{"bad bool", "forward:\n  insecure: [x]\n", "forward.insecure: line 2: must be true or false, got a list"},
		{"validation paths", "forward:\n  endpoint: \"\"\n  timeout: 0s\n", "forward.endpoint: line 2: must be set\nforward.timeout: line 3: must be positive"},
		{"bad yaml", "forward: [\n", "config:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := outer{Forward: inner{Endpoint: "x", Timeout: time.Second}}
			err := Parse([]byte(tt.yml), env(nil), &cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestProblemsAreInspectable(t *testing.T) {
	cfg := outer{}
	err := Parse([]byte("name: x\n"), env(nil), &cfg)
	var p Problems
	if !errors.As(err, &p) || len(p) != 2 || p[0].Path != "forward.endpoint" {
		t.Fatalf("got %#v", err)
	}
}

func TestEmptyDocumentValidatesDefaults(t *testing.T) {
	cfg := outer{Forward: inner{Endpoint: "x", Timeout: time.Second}}
	if err := Parse(nil, env(nil), &cfg); err != nil {
		t.Fatal(err)
	}
}

func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://user:pass@host:4318/v1": "https://[REDACTED]@host:4318/v1",
		"https://user:p/a#s?s@host:4318": "https://[REDACTED]@host:4318",
		"user:pass@host:4317":            "[REDACTED]@host:4317",
		"https://host:4318/path":         "https://host:4318/path",
		"otlp.nr-data.net:4317":          "otlp.nr-data.net:4317",
		"https://token@host":             "https://[REDACTED]@host",
		"":                               "",
	} {
		if got := RedactURL(in); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
}
