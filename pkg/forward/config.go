package forward

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/dbintel/dbintel/internal/config"
)

// Config is the forwarder's YAML configuration (the `forward:` block of both
// binaries).
type Config struct {
	// Endpoint is host:port for grpc and a base URL for http
	// (/v1/metrics|logs|traces are appended).
	Endpoint string `yaml:"endpoint"`
	// Protocol is grpc or http (protobuf).
	Protocol string `yaml:"protocol"`
	// Insecure sends plaintext (loopback, sidecars); the default is TLS with
	// the system roots. With protocol http the URL scheme must agree
	// (http:// with insecure, https:// without).
	Insecure bool      `yaml:"insecure"`
	TLS      TLSConfig `yaml:"tls"`
	// Headers go on every request (gRPC metadata or HTTP headers), typically
	// api-key: ${env:NEW_RELIC_LICENSE_KEY}.
	Headers map[string]config.Secret `yaml:"headers"`
	// Compression is gzip, zstd or none (New Relic takes zstd on both
	// transports).
	Compression string `yaml:"compression"`
	// Timeout bounds one attempt, not the whole retry.
	Timeout time.Duration `yaml:"timeout"`
	Queue   QueueConfig   `yaml:"queue"`
	Retry   RetryConfig   `yaml:"retry"`
	// MaxRequestBytes is the largest compressed request sent; bigger ones are
	// split first (New Relic refuses more than 1 MB).
	MaxRequestBytes int `yaml:"max_request_bytes"`
	// Sink, when its file is set, replaces the network endpoint: each request
	// is written as one OTLP JSON line (used without a license key).
	Sink SinkConfig `yaml:"sink"`
}

// TLSConfig adds a private CA, a client certificate (mTLS) or a server name
// override to the default TLS.
type TLSConfig struct {
	CAFile     string `yaml:"ca_file"`
	CertFile   string `yaml:"cert_file"`
	KeyFile    string `yaml:"key_file"`
	ServerName string `yaml:"server_name"`
}

// QueueConfig bounds what waits to be sent.
type QueueConfig struct {
	// SizeItems caps queued items (points, records, spans); beyond it Consume
	// refuses with a retryable error.
	SizeItems int `yaml:"size_items"`
	// Workers is the number of concurrent senders.
	Workers int `yaml:"workers"`
	// Dir, when set, makes the queue durable on disk.
	Dir string `yaml:"dir"`
	// MaxBytes caps the encoded size of what is queued (on disk with Dir).
	MaxBytes int64 `yaml:"max_bytes"`
	// MemoryMaxBytes caps the encoded size of queued data held in memory:
	// without Dir the whole queue, with Dir the recent batches also kept
	// in memory so that sending them reads nothing back. It keeps the
	// process small while Dir still buffers MaxBytes of an outage.
	MemoryMaxBytes int64 `yaml:"memory_max_bytes"`
	// Fsync is when a durable queue syncs: "batch" (before every
	// acknowledgement) or an interval such as "200ms".
	Fsync string `yaml:"fsync"`
	// DropOldest makes a full queue drop its oldest batch (counted) instead
	// of refusing new data.
	DropOldest bool `yaml:"drop_oldest"`
}

// RetryConfig is exponential backoff with full jitter, bounded by the age of
// the data rather than by a number of attempts.
type RetryConfig struct {
	InitialInterval time.Duration `yaml:"initial_interval"`
	MaxInterval     time.Duration `yaml:"max_interval"`
	Multiplier      float64       `yaml:"multiplier"`
	// MaxAge drops data queued longer than this (New Relic refuses data older
	// than 48 h).
	MaxAge time.Duration `yaml:"max_age"`
}

// SinkConfig selects a local file instead of a backend.
type SinkConfig struct {
	File string `yaml:"file"`
}

// DefaultConfig targets New Relic US over gRPC with TLS and an in-memory queue.
func DefaultConfig() Config {
	return Config{
		Endpoint:    "otlp.nr-data.net:4317",
		Protocol:    "grpc",
		Compression: "gzip",
		Timeout:     30 * time.Second,
		Queue: QueueConfig{
			SizeItems:      200_000,
			Workers:        4,
			MaxBytes:       512 << 20,
			MemoryMaxBytes: 32 << 20,
			Fsync:          "batch",
		},
		Retry: RetryConfig{
			InitialInterval: time.Second,
			MaxInterval:     30 * time.Second,
			Multiplier:      2,
			MaxAge:          47 * time.Hour,
		},
		MaxRequestBytes: 1_000_000,
	}
}

// MarshalYAML prints the config (--validate) with the endpoint's userinfo
// redacted; headers are Secrets already.
func (c Config) MarshalYAML() (any, error) {
	type plain Config
	p := plain(c)
	p.Endpoint = config.RedactURL(p.Endpoint)
	return p, nil
}

// Validate reports every problem with its YAML path.
func (c Config) Validate() error {
	var p config.Problems
	// The endpoint is checked with a sink too: it is what the gateway uses
	// as soon as a license key is set.
	switch {
	case c.Protocol != "grpc" && c.Protocol != "http":
		p.Add("protocol", "must be grpc or http, got %q%s", c.Protocol, config.DidYouMean(c.Protocol, "grpc", "http"))
	case c.Endpoint == "" && c.Sink.File != "":
	case c.Protocol == "grpc":
		if msg := grpcEndpointProblem(c.Endpoint); msg != "" {
			p.Add("endpoint", "%s", msg)
		}
	default:
		c.httpEndpointProblems(&p)
	}
	if c.Sink.File != "" {
		if err := config.WritableFile(c.Sink.File); err != nil {
			p.Add("sink.file", "%v", err)
		}
	}
	if c.Queue.Dir != "" {
		if err := config.WritableDir(c.Queue.Dir, ""); err != nil {
			p.Add("queue.dir", "%v", err)
		}
	}
	switch c.Compression {
	case "gzip", "zstd", "none":
	default:
		p.Add("compression", "must be gzip, zstd or none, got %q%s", c.Compression, config.DidYouMean(c.Compression, "gzip", "zstd", "none"))
	}
	if (c.TLS.CertFile == "") != (c.TLS.KeyFile == "") {
		p.Add("tls", "cert_file and key_file must be set together")
	}
	if c.Timeout <= 0 {
		p.Add("timeout", "must be positive")
	}
	if c.MaxRequestBytes < 1024 {
		p.Add("max_request_bytes", "must be at least 1024, got %d", c.MaxRequestBytes)
	}
	p.Merge("queue", c.Queue.validate())
	p.Merge("retry", c.Retry.validate())
	return p.Err()
}

// grpcEndpointProblem says what is wrong with a grpc host:port, or "".
func grpcEndpointProblem(ep string) string {
	shown := config.RedactURL(ep)
	switch {
	case ep == "":
		return "must be host:port for protocol grpc (New Relic: otlp.nr-data.net:4317)"
	case strings.Contains(ep, "://"):
		return fmt.Sprintf("must be host:port for protocol grpc, not a URL, got %q", shown)
	case strings.Contains(ep, "@"):
		return fmt.Sprintf("credentials in a grpc endpoint are not sent; put them in headers, got %q", shown)
	}
	host, port, err := net.SplitHostPort(ep)
	switch {
	case err != nil && strings.Contains(err.Error(), "missing port"):
		return fmt.Sprintf("%q has no port: protocol grpc needs host:port (New Relic: otlp.nr-data.net:4317)", shown)
	case err != nil:
		return fmt.Sprintf("must be host:port for protocol grpc, got %q", shown)
	case host == "":
		return fmt.Sprintf("%q has no host", shown)
	case strings.ContainsAny(host, "/\\ ?#"):
		return fmt.Sprintf("host %q is not a host name or IP address", host)
	}
	return portProblem(port)
}

// httpEndpointProblems checks an OTLP/HTTP base URL and its plaintext choice.
func (c Config) httpEndpointProblems(p *config.Problems) {
	u, err := url.Parse(c.Endpoint)
	switch {
	// Not err itself: url.Error repeats the whole URL.
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		p.Add("endpoint", "must be an http(s) URL for protocol http such as https://otlp.nr-data.net, got %q", config.RedactURL(c.Endpoint))
	case u.Hostname() == "":
		p.Add("endpoint", "%q has no host", config.RedactURL(c.Endpoint))
	case u.Port() != "" && portProblem(u.Port()) != "":
		p.Add("endpoint", "%s", portProblem(u.Port()))
	case u.Scheme == "http" && !c.Insecure:
		// Never fall back to plaintext silently: the default is TLS.
		p.Add("endpoint", "http:// sends in plaintext: use https:// or set insecure: true")
	case u.Scheme == "https" && c.Insecure:
		p.Add("insecure", "true asks for plaintext but the endpoint is https://")
	}
}

func portProblem(port string) string {
	n, err := strconv.Atoi(port)
	switch {
	case err != nil:
		return fmt.Sprintf("port %q is not a number", port)
	case n < 1 || n > 65535:
		return fmt.Sprintf("port %d is outside 1-65535", n)
	}
	return ""
}

func (q QueueConfig) validate() error {
	var p config.Problems
	if q.SizeItems <= 0 {
		p.Add("size_items", "must be positive")
	}
	if q.Workers <= 0 {
		p.Add("workers", "must be positive")
	}
	if q.MaxBytes <= 0 {
		p.Add("max_bytes", "must be positive")
	}
	if q.MemoryMaxBytes <= 0 {
		p.Add("memory_max_bytes", "must be positive")
	}
	if _, err := parseFsync(q.Fsync); err != nil {
		p.Add("fsync", "%v", err)
	}
	return p.Err()
}

// parseFsync returns 0 for "batch" (sync before every acknowledgement) or
// the interval between syncs.
func parseFsync(s string) (time.Duration, error) {
	if s == "batch" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf(`must be "batch" or a positive duration such as "200ms", got %q`, s)
	}
	return d, nil
}

func (r RetryConfig) validate() error {
	var p config.Problems
	if r.InitialInterval <= 0 {
		p.Add("initial_interval", "must be positive")
	}
	if r.MaxInterval < r.InitialInterval {
		p.Add("max_interval", "must be at least initial_interval")
	}
	if r.Multiplier < 1 {
		p.Add("multiplier", "must be at least 1")
	}
	if r.MaxAge <= 0 {
		p.Add("max_age", "must be positive")
	}
	return p.Err()
}
