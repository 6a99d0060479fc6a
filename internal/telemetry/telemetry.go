// Package telemetry serves what both binaries expose about themselves:
// Prometheus self-metrics, liveness and readiness, and pprof on loopback.
package telemetry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"strings"
	"sync"
	"time"

	"github.com/dbintel/dbintel/internal/config"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Config holds the self-telemetry endpoints; an empty endpoint is off.
type Config struct {
	MetricsEndpoint string `yaml:"metrics_endpoint"`
	HealthEndpoint  string `yaml:"health_endpoint"`
	PprofEndpoint   string `yaml:"pprof_endpoint"`
	// StatusEndpoint serves the human status page (gateway only).
	StatusEndpoint string `yaml:"status_endpoint"`
	LogLevel       string `yaml:"log_level"`
	LogFormat      string `yaml:"log_format"`
}

// DefaultConfig uses the conventional collector ports. Metrics and the
// status page show database names and query ids and pprof reveals memory,
// all without auth, so they stay on loopback unless the operator exposes
// them; health stays on every interface for the kubelet's probes.
func DefaultConfig() Config {
	return Config{MetricsEndpoint: "127.0.0.1:8888", HealthEndpoint: "0.0.0.0:13133", PprofEndpoint: "127.0.0.1:1777", StatusEndpoint: "127.0.0.1:55679",
		LogLevel: "info", LogFormat: "text"}
}

// Validate reports every problem with its YAML key.
func (c Config) Validate() error {
	var p config.Problems
	for key, ep := range map[string]string{"metrics_endpoint": c.MetricsEndpoint, "health_endpoint": c.HealthEndpoint, "pprof_endpoint": c.PprofEndpoint, "status_endpoint": c.StatusEndpoint} {
		if ep == "" {
			continue
		}
		if _, _, err := net.SplitHostPort(ep); err != nil {
			p.Add(key, "must be host:port, got %q", ep)
		}
	}
	if _, err := ParseLevel(c.LogLevel); err != nil {
		p.Add("log_level", "%v", err)
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		p.Add("log_format", "must be text or json, got %q", c.LogFormat)
	}
	return p.Err()
}

// ParseLevel maps debug|info|warn|error to a slog level.
func ParseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, fmt.Errorf("must be debug, info, warn or error, got %q", s)
	}
	return l, nil
}

// NewRegistry returns a registry with the Go runtime and process collectors.
func NewRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

// ReadyFunc returns nil when the process can take traffic.
type ReadyFunc func() error

// timeouts bound how long a client may hold a telemetry connection, so slow
// or idle clients cannot pile up connections. Requests are small GETs. A
// pprof profile or trace outlasts the write timeout: net/http/pprof extends
// its own write deadline by the requested duration.
type timeouts struct {
	readHeader, read, write, idle time.Duration
}

var defaultTimeouts = timeouts{readHeader: 5 * time.Second, read: 10 * time.Second, write: 30 * time.Second, idle: time.Minute}

// Servers runs the self-telemetry listeners.
type Servers struct {
	timeouts timeouts
	servers  []*http.Server
	addrs    []string // bound addresses, in start order
	log      *slog.Logger
	wg       sync.WaitGroup
	once     sync.Once
}

// Start binds every configured endpoint and serves in the background.
func Start(cfg Config, reg prometheus.Gatherer, ready ReadyFunc, log *slog.Logger) (*Servers, error) {
	return start(cfg, reg, ready, log, defaultTimeouts)
}

func start(cfg Config, reg prometheus.Gatherer, ready ReadyFunc, log *slog.Logger, to timeouts) (*Servers, error) {
	s := &Servers{log: log, timeouts: to}
	if cfg.MetricsEndpoint != "" {
		mux := http.NewServeMux()
		mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
		if err := s.listen("metrics", cfg.MetricsEndpoint, mux); err != nil {
			return nil, errors.Join(err, s.Shutdown(context.Background()))
		}
	}
	if cfg.HealthEndpoint != "" {
		mux := http.NewServeMux()
		mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })
		mux.HandleFunc("/readyz", func(w http.ResponseWriter, _ *http.Request) {
			if err := ready(); err != nil {
				http.Error(w, "not ready: "+err.Error(), http.StatusServiceUnavailable)
				return
			}
			_, _ = w.Write([]byte("ready\n"))
		})
		if err := s.listen("health", cfg.HealthEndpoint, mux); err != nil {
			return nil, errors.Join(err, s.Shutdown(context.Background()))
		}
	}
	if cfg.PprofEndpoint != "" {
		mux := http.NewServeMux()
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
		if err := s.listen("pprof", cfg.PprofEndpoint, mux); err != nil {
			return nil, errors.Join(err, s.Shutdown(context.Background()))
		}
	}
	return s, nil
}

// Listen serves h on endpoint in the background, stopped with the others.
func (s *Servers) Listen(name, endpoint string, h http.Handler) error {
	return s.listen(name, endpoint, h)
}

func (s *Servers) listen(name, endpoint string, h http.Handler) error {
	ln, err := net.Listen("tcp", endpoint)
	if err != nil {
		return fmt.Errorf("%s endpoint %s: %w", name, endpoint, err)
	}
	to := s.timeouts
	srv := &http.Server{Handler: h, ReadHeaderTimeout: to.readHeader, ReadTimeout: to.read, WriteTimeout: to.write, IdleTimeout: to.idle}
	s.addrs = append(s.addrs, ln.Addr().String())
	s.servers = append(s.servers, srv)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("telemetry server stopped", "server", name, "err", err)
		}
	}()
	s.log.Info("serving", "what", name, "addr", ln.Addr().String())
	return nil
}

// Shutdown stops every listener; it is idempotent.
func (s *Servers) Shutdown(ctx context.Context) error {
	var errs []error
	s.once.Do(func() {
		for _, srv := range s.servers {
			errs = append(errs, srv.Shutdown(ctx))
		}
		s.wg.Wait()
	})
	return errors.Join(errs...)
}

// Logger builds the process logger from log_level and log_format (both
// already validated).
func (c Config) Logger(w io.Writer) *slog.Logger {
	level, _ := ParseLevel(c.LogLevel)
	opts := &slog.HandlerOptions{Level: level}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	// A joined or multi-line error would print as one quoted value full of
	// literal \n: keep each record on one readable line.
	opts.ReplaceAttr = func(_ []string, a slog.Attr) slog.Attr {
		if err, ok := a.Value.Any().(error); ok && a.Value.Kind() == slog.KindAny {
			a.Value = slog.StringValue(err.Error())
		}
		if a.Value.Kind() == slog.KindString && strings.Contains(a.Value.String(), "\n") {
			a.Value = slog.StringValue(strings.ReplaceAll(a.Value.String(), "\n", "; "))
		}
		return a
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
