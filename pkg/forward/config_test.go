package forward

import (
	"errors"
	"testing"

	"github.com/dbintel/dbintel/internal/config"
)

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		name     string
		mutate   func(*Config)
		wantPath string // "" = valid
	}{
		{"defaults", func(*Config) {}, ""},
		{"http url", func(c *Config) { c.Protocol, c.Endpoint = "http", "https://otlp.nr-data.net:4318" }, ""},
		{"http without url", func(c *Config) { c.Protocol = "http" }, "endpoint"},
		{"plaintext url without insecure", func(c *Config) { c.Protocol, c.Endpoint = "http", "http://127.0.0.1:4318" }, "endpoint"},
		{"plaintext url with insecure", func(c *Config) { c.Protocol, c.Endpoint, c.Insecure = "http", "http://127.0.0.1:4318", true }, ""},
		{"https with insecure", func(c *Config) { c.Protocol, c.Endpoint, c.Insecure = "http", "https://x:4318", true }, "insecure"},
		{"grpc with url", func(c *Config) { c.Endpoint = "http://x:4317" }, "endpoint"},
		{"bad protocol", func(c *Config) { c.Protocol = "udp" }, "protocol"},
		{"zstd over grpc", func(c *Config) { c.Compression = "zstd" }, ""},
		{"unknown compression", func(c *Config) { c.Compression = "brotli" }, "compression"},
		{"file sink ignores endpoint", func(c *Config) { c.Sink.File, c.Endpoint = "/tmp/x", "" }, ""},
		{"cert without key", func(c *Config) { c.TLS.CertFile = "c.pem" }, "tls"},
		{"zero timeout", func(c *Config) { c.Timeout = 0 }, "timeout"},
		{"zero workers", func(c *Config) { c.Queue.Workers = 0 }, "queue.workers"},
		{"zero memory bound", func(c *Config) { c.Queue.MemoryMaxBytes = 0 }, "queue.memory_max_bytes"},
		{"bad fsync", func(c *Config) { c.Queue.Fsync = "sometimes" }, "queue.fsync"},
		{"fsync interval", func(c *Config) { c.Queue.Fsync = "200ms" }, ""},
		{"max below initial", func(c *Config) { c.Retry.MaxInterval = 1 }, "retry.max_interval"},
		{"tiny request cap", func(c *Config) { c.MaxRequestBytes = 10 }, "max_request_bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := DefaultConfig()
			tc.mutate(&c)
			err := c.Validate()
			if tc.wantPath == "" {
				if err != nil {
					t.Fatalf("unexpected problems: %v", err)
				}
				return
			}
			var p config.Problems
			if !errors.As(err, &p) || len(p) != 1 || p[0].Path != tc.wantPath {
				t.Fatalf("Validate() = %v, want one problem at %s", err, tc.wantPath)
			}
		})
	}
}

func TestSecretHeadersDoNotPrint(t *testing.T) {
	c := DefaultConfig()
	c.Headers = map[string]config.Secret{"api-key": "abc123"}
	if s := c.Headers["api-key"].String(); s != "[REDACTED]" {
		t.Fatalf("header prints as %q", s)
	}
}
