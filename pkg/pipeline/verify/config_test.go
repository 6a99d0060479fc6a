package verify

import (
	"errors"
	"strings"
	"testing"

	"github.com/dbintel/dbintel/internal/config"
)

func TestDefaultConfigValid(t *testing.T) {
	c := DefaultConfig()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.PII.Types.IP != ActionOff {
		t.Errorf("ip default = %q, want off (opt-in)", c.PII.Types.IP)
	}
	for _, nt := range c.PII.Types.list() {
		if nt.name != "ip" && nt.action != ActionRedact {
			t.Errorf("%s default = %q, want redact", nt.name, nt.action)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name  string
		yaml  string
		env   map[string]string
		paths []string
	}{
		{"empty is defaults", "", nil, nil},
		{"hash with key from env", "pii:\n  types: {email: hash}\n  hash_key: ${env:K}\n", map[string]string{"K": "0123456789abcdef0123"}, nil},
		{"unquoted off", "pii:\n  types:\n    ip: off\n    card: drop\n", nil, nil},
		{"hash without key", "pii:\n  types: {email: hash}\n", nil, []string{"pii.hash_key"}},
		{"hash with short key", "pii:\n  types: {ssn: hash}\n  hash_key: short\n", nil, []string{"pii.hash_key"}},
		{"unknown action", "pii:\n  types: {card: mask}\n", nil, []string{"pii.types.card"}},
		{"bad limits", "quality:\n  max_value_len: 0\n  max_point_attrs: -1\n  past_window: 0s\n  log_time_fix: later\n", nil,
			[]string{"quality.max_value_len", "quality.max_point_attrs", "quality.past_window", "quality.log_time_fix"}},
		{"empty keys", "pii:\n  allow_keys: ['']\nsql:\n  attributes: [db.statement, '']\n", nil, []string{"pii.allow_keys[0]", "sql.attributes[1]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := DefaultConfig()
			err := config.Parse([]byte(tt.yaml), func(k string) (string, bool) { v, ok := tt.env[k]; return v, ok }, &c)
			var p config.Problems
			if len(tt.paths) == 0 {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if !errors.As(err, &p) {
				t.Fatalf("want problems at %v, got %v", tt.paths, err)
			}
			var got []string
			for _, q := range p {
				got = append(got, q.Path)
			}
			if strings.Join(got, ",") != strings.Join(tt.paths, ",") {
				t.Fatalf("problems at %v, want %v (%v)", got, tt.paths, err)
			}
		})
	}
}

func TestConfigUnknownKey(t *testing.T) {
	c := DefaultConfig()
	if err := config.Parse([]byte("pii:\n  types: {passport: redact}\n"), func(string) (string, bool) { return "", false }, &c); err == nil {
		t.Fatal("unknown PII type accepted")
	}
}
