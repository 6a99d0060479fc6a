package config

import (
	"strings"
	"testing"
	"time"
)

// leaky is a config whose fields take a secret in every shape YAML can get
// wrong, and whose Validate echoes a value the way library parse errors do.
type leaky struct {
	Keys    []Secret          `yaml:"keys"`
	Port    int               `yaml:"port"`
	On      bool              `yaml:"on"`
	Wait    time.Duration     `yaml:"wait"`
	Headers map[string]Secret `yaml:"headers"`
	DSN     Secret            `yaml:"dsn"`
	Nested  struct {
		Items []struct {
			Token Secret `yaml:"token"`
		} `yaml:"items"`
	} `yaml:"nested"`
}

func (c leaky) Validate() error {
	var p Problems
	if strings.HasPrefix(c.DSN.Value(), "bad") {
		p.Add("dsn", "cannot parse %q", c.DSN.Value())
	}
	return p.Err()
}

const secretValue = "Zq9vXk2wPm7rTt4Lbad"

// leaked reports the longest piece (5+ characters) of the secret in msg.
func leaked(msg string) string {
	for n := len(secretValue); n >= 5; n-- {
		for i := 0; i+n <= len(secretValue); i++ {
			if strings.Contains(msg, secretValue[i:i+n]) {
				return secretValue[i : i+n]
			}
		}
	}
	return ""
}

func TestConfigErrorsNeverEchoSecrets(t *testing.T) {
	lookup := env(map[string]string{"S": secretValue, "BAD": "bad" + secretValue})
	tests := []struct {
		name, yml, path, line string
	}{
		{"scalar for a list", "on: true\nkeys: ${env:S}\n", "keys", "line 2"},
		{"int", "# comment\n\nport: ${env:S}\n", "port", "line 3"},
		{"bool", "on: ${env:S}\n", "on", "line 1"},
		{"duration", "wait: ${env:S}\n", "wait", "line 1"},
		{"scalar for a map", "headers: ${env:S}\n", "headers", "line 1"},
		{"list for a scalar", "dsn: [\"${env:S}\"]\n", "dsn", "line 1"},
		{"deep in a list", "nested:\n  items:\n    - token: x\n    - token: {a: \"${env:S}\"}\n", "nested.items[1].token", "line 4"},
		{"line in the user's file", "keys: [\n  a,\n  b\n]\n\n# c\nport: ${env:S}\n", "port", "line 7"},
		{"validation echo", "dsn: ${env:BAD}\n", "dsn", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var cfg leaky
			err := Parse([]byte(tt.yml), lookup, &cfg)
			if err == nil {
				t.Fatal("want an error")
			}
			msg := err.Error()
			if l := leaked(msg); l != "" {
				t.Errorf("error shows %q of the secret:\n%s", l, msg)
			}
			if !strings.Contains(msg, tt.path) || !strings.Contains(msg, tt.line) {
				t.Errorf("error does not name %s at %q:\n%s", tt.path, tt.line, msg)
			}
		})
	}
}
