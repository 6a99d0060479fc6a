package otlpserver

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"strconv"
	"time"

	"github.com/dbintel/dbintel/internal/config"
	"github.com/dbintel/dbintel/internal/nesting"
)

// Config is the receiver's YAML section.
type Config struct {
	GRPC GRPCConfig `yaml:"grpc"`
	HTTP HTTPConfig `yaml:"http"`
	Auth AuthConfig `yaml:"auth"`
	// MaxInFlightBytes bounds the request bodies of both transports held at
	// once, at their decompressed size; beyond it requests are refused
	// retryably before more is read (see budget.go).
	MaxInFlightBytes int64 `yaml:"max_in_flight_bytes"`
}

// GRPCConfig configures OTLP/gRPC. An empty endpoint turns it off.
type GRPCConfig struct {
	Endpoint string `yaml:"endpoint"`
	// MaxRecvMsgSizeBytes caps one message after decompression; gRPC itself
	// answers RESOURCE_EXHAUSTED above it.
	MaxRecvMsgSizeBytes  int `yaml:"max_recv_msg_size_bytes"`
	MaxConcurrentStreams int `yaml:"max_concurrent_streams"`
	// MaxConcurrentRequests bounds export calls in flight over all
	// connections (max_concurrent_streams is per connection).
	MaxConcurrentRequests int `yaml:"max_concurrent_requests"`
	// RecvTimeout bounds the time from a call's headers to its whole
	// message: a call reserves max_recv_msg_size_bytes of the in-flight
	// budget until its message is in, so a slow sender must not keep it.
	RecvTimeout time.Duration `yaml:"recv_timeout"`
	TLS         TLSConfig     `yaml:"tls"`
}

// HTTPConfig configures OTLP/HTTP. An empty endpoint turns it off.
type HTTPConfig struct {
	Endpoint string `yaml:"endpoint"`
	// MaxRequestBytes caps the body as sent (compressed); above it: 413.
	MaxRequestBytes int64 `yaml:"max_request_bytes"`
	// MaxDecompressedBytes caps the body after decompression; above it: 413,
	// found without decompressing more than this many bytes.
	MaxDecompressedBytes int64 `yaml:"max_decompressed_bytes"`
	// MaxConcurrentRequests bounds the bodies being read and decoded at
	// once, so body memory stays near this × the size limits before the
	// memory limiter can see it; beyond it: 503 with Retry-After.
	MaxConcurrentRequests int `yaml:"max_concurrent_requests"`
	// MaxJSONDepth caps the bracket nesting of OTLP/JSON bodies, checked
	// before decoding; deeper bodies get 400.
	MaxJSONDepth int `yaml:"max_json_depth"`
	// A body must arrive within BodyTimeout plus one second per
	// MinBodyBytesPerSecond bytes received so far; a slower one is cut with
	// 408, so slow senders cannot hold memory or connections.
	BodyTimeout           time.Duration `yaml:"body_timeout"`
	MinBodyBytesPerSecond int64         `yaml:"min_body_bytes_per_second"`
	// Timeouts of net/http; 0 means none (except read_header_timeout, which
	// must be set: it is the defence against slow-header clients).
	ReadHeaderTimeout time.Duration `yaml:"read_header_timeout"`
	ReadTimeout       time.Duration `yaml:"read_timeout"`
	WriteTimeout      time.Duration `yaml:"write_timeout"`
	IdleTimeout       time.Duration `yaml:"idle_timeout"`
	TLS               TLSConfig     `yaml:"tls"`
}

// TLSConfig turns on TLS when cert_file is set, and mTLS when client_ca_file
// is set too (clients must present a certificate signed by that CA).
type TLSConfig struct {
	CertFile     string `yaml:"cert_file"`
	KeyFile      string `yaml:"key_file"`
	ClientCAFile string `yaml:"client_ca_file"`
}

// AuthConfig is inbound authentication. When any token or key is set, every
// request must carry "authorization: Bearer <token>" with one of
// bearer_tokens, or "api-key: <key>" with one of api_keys.
type AuthConfig struct {
	BearerTokens []config.Secret `yaml:"bearer_tokens"`
	APIKeys      []config.Secret `yaml:"api_keys"`
}

const (
	mib = 1 << 20
	// maxGRPCMessageBytes is where a larger gRPC message stops making sense
	// (the HTTP/2 transport allocates the whole message).
	maxGRPCMessageBytes = 1 << 30
	// minJSONDepth is the nesting of an OTLP/JSON body with one attribute on
	// a histogram exemplar, the deepest place a scalar can sit.
	minJSONDepth = 16
	// defaultMaxInFlightBytes: the budget holds bodies in flight and the
	// estimate of what they decode into (a bound: 1.8-2.2× what pdata
	// allocates for real requests), so decoded requests stay under 128 MiB
	// plus what the pipeline copies, well under the memory limiter's default
	// hard limit of 800 MiB. A request whose buffer and estimate exceed it
	// is refused (413): above about 13 MiB of DB-shaped log records (their
	// estimate is 7.7× their wire size) or 9 MiB of metric points (11.5×).
	defaultMaxInFlightBytes = 128 * mib
)

// DefaultConfig listens on the standard OTLP ports of every interface.
func DefaultConfig() Config {
	return Config{
		GRPC: GRPCConfig{
			Endpoint:              "0.0.0.0:4317",
			MaxRecvMsgSizeBytes:   16 * mib,
			MaxConcurrentStreams:  64,
			MaxConcurrentRequests: 64,
			RecvTimeout:           30 * time.Second,
		},
		HTTP: HTTPConfig{
			Endpoint:              "0.0.0.0:4318",
			MaxRequestBytes:       16 * mib,
			MaxDecompressedBytes:  64 * mib,
			MaxConcurrentRequests: 32,
			MaxJSONDepth:          nesting.MaxDepth,
			BodyTimeout:           10 * time.Second,
			MinBodyBytesPerSecond: 16 << 10,
			ReadHeaderTimeout:     5 * time.Second,
			ReadTimeout:           30 * time.Second,
			WriteTimeout:          30 * time.Second,
			IdleTimeout:           120 * time.Second,
		},
		MaxInFlightBytes: defaultMaxInFlightBytes,
	}
}

// Validate returns every problem, with YAML paths relative to Config.
func (c Config) Validate() error {
	var p config.Problems
	if c.GRPC.Endpoint == "" && c.HTTP.Endpoint == "" {
		p.Add("", "grpc.endpoint and http.endpoint are both empty: the receiver would accept nothing")
	}
	if c.GRPC.Endpoint != "" {
		checkEndpoint(&p, "grpc.endpoint", c.GRPC.Endpoint)
	}
	if c.GRPC.MaxRecvMsgSizeBytes <= 0 || c.GRPC.MaxRecvMsgSizeBytes > maxGRPCMessageBytes {
		p.Add("grpc.max_recv_msg_size_bytes", "must be in 1..%d, got %d", maxGRPCMessageBytes, c.GRPC.MaxRecvMsgSizeBytes)
	}
	if c.GRPC.MaxConcurrentStreams <= 0 || int64(c.GRPC.MaxConcurrentStreams) > 1<<31 {
		p.Add("grpc.max_concurrent_streams", "must be in 1..%d, got %d", 1<<31, c.GRPC.MaxConcurrentStreams)
	}
	if c.GRPC.MaxConcurrentRequests <= 0 {
		p.Add("grpc.max_concurrent_requests", "must be positive, got %d", c.GRPC.MaxConcurrentRequests)
	}
	if c.GRPC.RecvTimeout <= 0 {
		p.Add("grpc.recv_timeout", "must be positive, got %s", c.GRPC.RecvTimeout)
	}
	p.Merge("grpc.tls", c.GRPC.TLS.Validate())

	if c.HTTP.Endpoint != "" {
		checkEndpoint(&p, "http.endpoint", c.HTTP.Endpoint)
	}
	if c.HTTP.MaxRequestBytes <= 0 {
		p.Add("http.max_request_bytes", "must be positive, got %d", c.HTTP.MaxRequestBytes)
	}
	if c.HTTP.MaxConcurrentRequests <= 0 {
		p.Add("http.max_concurrent_requests", "must be positive, got %d", c.HTTP.MaxConcurrentRequests)
	}
	if c.HTTP.MaxDecompressedBytes <= 0 {
		p.Add("http.max_decompressed_bytes", "must be positive, got %d", c.HTTP.MaxDecompressedBytes)
	}
	if c.HTTP.MaxJSONDepth < minJSONDepth {
		p.Add("http.max_json_depth", "must be at least %d (the OTLP/JSON envelope alone nests that deep), got %d", minJSONDepth, c.HTTP.MaxJSONDepth)
	}
	if c.HTTP.BodyTimeout <= 0 {
		p.Add("http.body_timeout", "must be positive, got %s", c.HTTP.BodyTimeout)
	}
	if c.HTTP.MinBodyBytesPerSecond <= 0 {
		p.Add("http.min_body_bytes_per_second", "must be positive, got %d", c.HTTP.MinBodyBytesPerSecond)
	}
	if c.HTTP.ReadHeaderTimeout <= 0 {
		p.Add("http.read_header_timeout", "must be positive, got %s", c.HTTP.ReadHeaderTimeout)
	}
	for _, t := range []struct {
		key string
		d   time.Duration
	}{{"read_timeout", c.HTTP.ReadTimeout}, {"write_timeout", c.HTTP.WriteTimeout}, {"idle_timeout", c.HTTP.IdleTimeout}} {
		if t.d < 0 {
			p.Add("http."+t.key, "must not be negative (0 = no timeout), got %s", t.d)
		}
	}
	p.Merge("http.tls", c.HTTP.TLS.Validate())

	// One request of the largest allowed size must fit, or its sender would
	// be refused retryably for ever.
	if need := max(int64(c.GRPC.MaxRecvMsgSizeBytes), c.HTTP.MaxDecompressedBytes+minBufferGrow); c.MaxInFlightBytes < need {
		p.Add("max_in_flight_bytes", "must hold one request of the largest allowed size (%d bytes), got %d", need, c.MaxInFlightBytes)
	}
	for i, s := range c.Auth.BearerTokens {
		if s.Value() == "" {
			p.Add(fmt.Sprintf("auth.bearer_tokens[%d]", i), "empty token (an unset ${env:...} default?)")
		}
	}
	for i, s := range c.Auth.APIKeys {
		if s.Value() == "" {
			p.Add(fmt.Sprintf("auth.api_keys[%d]", i), "empty key (an unset ${env:...} default?)")
		}
	}
	return p.Err()
}

func checkEndpoint(p *config.Problems, path, ep string) {
	_, port, err := net.SplitHostPort(ep)
	if err != nil {
		p.Add(path, "want host:port, got %q: %v", ep, err)
		return
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		p.Add(path, "port %q is not a number in 0..65535", port)
	}
}

// Validate checks that files come in pairs and can be loaded, so --validate
// catches an unreadable certificate before the server starts.
func (t TLSConfig) Validate() error {
	var p config.Problems
	switch {
	case t.CertFile == "" && t.KeyFile == "" && t.ClientCAFile == "":
		return nil
	case t.CertFile == "":
		if t.KeyFile != "" {
			p.Add("cert_file", "key_file is set but cert_file is empty")
		}
		if t.ClientCAFile != "" {
			p.Add("client_ca_file", "mTLS needs TLS: cert_file and key_file are empty")
		}
		return p.Err()
	case t.KeyFile == "":
		p.Add("key_file", "cert_file is set but key_file is empty")
		return p.Err()
	}
	if _, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile); err != nil {
		p.Add("cert_file", "cannot load cert_file/key_file: %v", err)
	}
	if t.ClientCAFile != "" {
		if _, err := loadCA(t.ClientCAFile); err != nil {
			p.Add("client_ca_file", "%v", err)
		}
	}
	return p.Err()
}

// load builds the server TLS config; nil when TLS is off.
func (t TLSConfig) load() (*tls.Config, error) {
	if t.CertFile == "" {
		return nil, nil
	}
	cert, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile)
	if err != nil {
		return nil, fmt.Errorf("load cert_file/key_file: %w", err)
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	if t.ClientCAFile != "" {
		if cfg.ClientCAs, err = loadCA(t.ClientCAFile); err != nil {
			return nil, fmt.Errorf("client_ca_file: %w", err)
		}
		cfg.ClientAuth = tls.RequireAndVerifyClientCert
	}
	return cfg, nil
}

func loadCA(path string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s: no PEM certificate found", path)
	}
	return pool, nil
}
