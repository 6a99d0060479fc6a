package otlpserver

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"

	"github.com/dbintel/dbintel/internal/config"
	"github.com/dbintel/dbintel/pkg/pipeline"
)

func TestDefaultConfigValid(t *testing.T) {
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestConfigYAML(t *testing.T) {
	cfg := DefaultConfig()
	yaml := `
grpc:
  endpoint: "127.0.0.1:14317"
  max_recv_msg_size_bytes: 1048576
http:
  endpoint: ""
  read_header_timeout: 2s
auth:
  bearer_tokens: ["${env:TOKEN}"]
`
	lookup := func(k string) (string, bool) { return map[string]string{"TOKEN": "t0k"}[k], k == "TOKEN" }
	if err := config.Parse([]byte(yaml), lookup, &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.GRPC.Endpoint != "127.0.0.1:14317" || cfg.GRPC.MaxRecvMsgSizeBytes != 1<<20 || cfg.GRPC.MaxConcurrentStreams != 64 ||
		cfg.HTTP.Endpoint != "" || cfg.HTTP.ReadHeaderTimeout != 2*time.Second || cfg.Auth.BearerTokens[0].Value() != "t0k" {
		t.Errorf("decoded %+v", cfg)
	}
	if err := config.Parse([]byte("grpc:\n  max_streams: 3\n"), lookup, &cfg); err == nil {
		t.Error("unknown key accepted")
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Config)
		paths  []string
	}{
		{"both off", func(c *Config) { c.GRPC.Endpoint, c.HTTP.Endpoint = "", "" }, []string{""}},
		{"bad endpoint", func(c *Config) { c.GRPC.Endpoint = "localhost" }, []string{"grpc.endpoint"}},
		{"bad port", func(c *Config) { c.HTTP.Endpoint = "0.0.0.0:http4318" }, []string{"http.endpoint"}},
		{"port out of range", func(c *Config) { c.HTTP.Endpoint = ":70000" }, []string{"http.endpoint"}},
		{"sizes", func(c *Config) {
			c.GRPC.MaxRecvMsgSizeBytes, c.GRPC.MaxConcurrentStreams = 0, -1
			c.HTTP.MaxRequestBytes, c.HTTP.MaxDecompressedBytes = 0, -5
		}, []string{"grpc.max_recv_msg_size_bytes", "grpc.max_concurrent_streams", "http.max_request_bytes", "http.max_decompressed_bytes"}},
		{"timeouts", func(c *Config) { c.HTTP.ReadHeaderTimeout, c.HTTP.IdleTimeout = 0, -time.Second }, []string{"http.read_header_timeout", "http.idle_timeout"}},
		{"hostile-input limits", func(c *Config) {
			c.GRPC.MaxConcurrentRequests, c.GRPC.RecvTimeout = 0, 0
			c.HTTP.MaxJSONDepth, c.HTTP.BodyTimeout, c.HTTP.MinBodyBytesPerSecond = 15, 0, 0
		}, []string{"grpc.max_concurrent_requests", "grpc.recv_timeout", "http.max_json_depth", "http.body_timeout", "http.min_body_bytes_per_second"}},
		{"budget below one largest request", func(c *Config) { c.MaxInFlightBytes = c.HTTP.MaxDecompressedBytes }, []string{"max_in_flight_bytes"}},
		{"cert without key", func(c *Config) { c.GRPC.TLS.CertFile = "/x.pem" }, []string{"grpc.tls.key_file"}},
		{"key without cert", func(c *Config) { c.HTTP.TLS.KeyFile = "/x.key" }, []string{"http.tls.cert_file"}},
		{"client CA without cert", func(c *Config) { c.HTTP.TLS.ClientCAFile = "/ca.pem" }, []string{"http.tls.client_ca_file"}},
		{"unreadable cert", func(c *Config) {
			c.GRPC.TLS = TLSConfig{CertFile: "/nonexistent.pem", KeyFile: "/nonexistent.key", ClientCAFile: "/nonexistent-ca.pem"}
		}, []string{"grpc.tls.cert_file", "grpc.tls.client_ca_file"}},
		{"empty secrets", func(c *Config) {
			c.Auth = AuthConfig{BearerTokens: []config.Secret{"a", ""}, APIKeys: []config.Secret{""}}
		}, []string{"auth.bearer_tokens[1]", "auth.api_keys[0]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := DefaultConfig()
			tt.mutate(&c)
			var p config.Problems
			if !errors.As(c.Validate(), &p) {
				t.Fatalf("Validate = %v, want Problems", c.Validate())
			}
			var got []string
			for _, q := range p {
				got = append(got, q.Path)
			}
			if strings.Join(got, ",") != strings.Join(tt.paths, ",") {
				t.Errorf("paths %q, want %q (%v)", got, tt.paths, p)
			}
		})
	}
}

func TestConfigSecretsNotPrinted(t *testing.T) {
	c := DefaultConfig()
	c.Auth.APIKeys = []config.Secret{"hunter2"}
	c.HTTP.MaxRequestBytes = 0
	if _, err := New(c, &recorder{}, nil, nil); err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("New error %v: want a validation error without the secret", err)
	}
}

func TestLifecycle(t *testing.T) {
	t.Run("bind error", func(t *testing.T) {
		busy, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer busy.Close()
		cfg := testConfig()
		cfg.HTTP.Endpoint = busy.Addr().String()
		s, err := New(cfg, &recorder{}, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Start(context.Background()); err == nil {
			t.Fatal("Start on a busy port succeeded")
		}
		// The gRPC listener bound first must have been released.
		if s.GRPCAddr() != nil {
			t.Error("gRPC address set after a failed Start")
		}
		if err := s.Shutdown(context.Background()); err != nil {
			t.Errorf("Shutdown after failed Start: %v", err)
		}
	})
	t.Run("idempotent shutdown, no restart", func(t *testing.T) {
		cfg := testConfig()
		cfg.HTTP.Endpoint = ""
		s, err := New(cfg, &recorder{}, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		if s.HTTPAddr() != nil || s.GRPCAddr() == nil {
			t.Errorf("addrs grpc=%v http=%v", s.GRPCAddr(), s.HTTPAddr())
		}
		if err := s.Start(context.Background()); err == nil {
			t.Error("second Start succeeded")
		}
		for range 2 {
			if err := s.Shutdown(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Start(context.Background()); err == nil {
			t.Error("Start after Shutdown succeeded")
		}
	})
	t.Run("shutdown deadline cuts a stuck request", func(t *testing.T) {
		release := make(chan struct{})
		entered := make(chan struct{}, 2)
		next := pipeline.ConsumerFunc(func(ctx context.Context, _ pipeline.Batch) error {
			entered <- struct{}{}
			select {
			case <-release:
			case <-ctx.Done():
			}
			return ctx.Err()
		})
		defer close(release)
		s, err := New(testConfig(), next, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		cc := dialGRPC(t, s)
		done := make(chan error, 1)
		go func() {
			_, err := pmetricotlp.NewGRPCClient(cc).Export(context.Background(), pmetricotlp.NewExportRequestFromMetrics(testMetrics(1, 1, 1)))
			done <- err
		}()
		<-entered
		ctx, cancel := context.WithCancel(context.Background())
		cancel() // deadline already passed: Shutdown must force the stop
		if err := s.Shutdown(ctx); !errors.Is(err, context.Canceled) {
			t.Errorf("Shutdown = %v, want context.Canceled", err)
		}
		if err := <-done; err == nil {
			t.Error("cut request reported success")
		}
	})
}
