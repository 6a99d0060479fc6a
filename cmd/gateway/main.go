// Command gateway receives OTLP from dbintel scrapers and any OpenTelemetry
// sender, runs the database-intelligence pipeline and forwards the result to
// New Relic or any OTLP backend.
package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/dbintel/dbintel/internal/cli"
	"github.com/dbintel/dbintel/internal/status"
	"github.com/dbintel/dbintel/internal/telemetry"
	"github.com/dbintel/dbintel/pkg/forward"
	"github.com/dbintel/dbintel/pkg/otlpserver"
	"github.com/dbintel/dbintel/pkg/pipeline"
	"github.com/dbintel/dbintel/pkg/pipeline/batch"
	"github.com/prometheus/client_golang/prometheus"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	cfg := defaultConfig()
	flags, code, done := cli.Start(flag.NewFlagSet("gateway", flag.ContinueOnError), version, 30*time.Second, args, stdout, stderr, &cfg)
	if done {
		return code
	}
	log := cfg.Telemetry.Logger(stderr)

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := serve(ctx, flags.ConfigPath, cfg, log, flags.ShutdownTimeout); err != nil {
		log.Error("gateway failed", "err", err)
		return 1
	}
	return 0
}

// exporter is a single forwarder or a fan-out to several backends.
type exporter interface {
	pipeline.Consumer
	Start(context.Context) error
	Shutdown(context.Context) error
	Ready() error
	// Admit refuses, retryably, when the queue would refuse any batch.
	Admit() error
	SetFailureObserver(forward.FailureObserver)
}

func newExporter(cfg Config, reg prometheus.Registerer, log *slog.Logger) (exporter, error) {
	if len(cfg.AlsoForward) == 0 {
		return forward.New(cfg.Forward, reg, log)
	}
	targets := append([]forward.Target{{Name: "primary", Config: cfg.Forward}}, cfg.AlsoForward...)
	return forward.NewFanout(targets, reg, log)
}

// serve starts sinks first and sources last, then stops in reverse order
// under one deadline once ctx ends.
func serve(ctx context.Context, configPath string, cfg Config, log *slog.Logger, shutdownTimeout time.Duration) error {
	if cfg.resolveSink() {
		log.Warn("no New Relic license key: writing what would be sent to a local file", "file", cfg.Forward.Sink.File)
	}
	// The Go GC works harder as the heap nears the hard limit, so the
	// limiter's refusals are the last resort, not the first.
	debug.SetMemoryLimit(int64(cfg.Pipeline.MemoryLimiter.HardLimitMiB) << 20)

	reg := telemetry.NewRegistry()
	fwd, err := newExporter(cfg, reg, log.With("component", "forward"))
	if err != nil {
		return err
	}
	if err := fwd.Start(ctx); err != nil {
		return err
	}
	batcher, err := batch.New(cfg.Pipeline.Batch, fwd, reg)
	if err != nil {
		return errors.Join(err, fwd.Shutdown(context.Background()))
	}
	chain, err := newLiveChain(configPath, cfg, batcher, fwd, log) // cfg is already resolved
	if err != nil {
		return errors.Join(err, batcher.Shutdown(context.Background()), fwd.Shutdown(context.Background()))
	}
	gatherer := prometheus.Gatherers{reg, chain}
	receiver, err := otlpserver.New(cfg.Receiver, chain, reg, log.With("component", "receiver"), otlpserver.WithAdmission(chain.Admit))
	if err != nil {
		return errors.Join(err, fwd.Shutdown(context.Background()))
	}
	var started atomic.Bool
	ready := func() error {
		if !started.Load() {
			return errors.New("starting")
		}
		return fwd.Ready()
	}
	tel, err := telemetry.Start(cfg.Telemetry, gatherer, ready, log)
	if err != nil {
		return errors.Join(err, fwd.Shutdown(context.Background()))
	}
	if cfg.Telemetry.StatusEndpoint != "" {
		page := status.Handler(gatherer, status.Source{Version: version, Started: time.Now(), Stages: chain.StageNames, Ready: ready,
			PlanChanges: chain.PlanChanges})
		if err := tel.Listen("status", cfg.Telemetry.StatusEndpoint, page); err != nil {
			return errors.Join(err, tel.Shutdown(context.Background()), batcher.Shutdown(context.Background()), fwd.Shutdown(context.Background()))
		}
	}
	if err := receiver.Start(ctx); err != nil {
		return errors.Join(err, tel.Shutdown(context.Background()), fwd.Shutdown(context.Background()))
	}
	started.Store(true)
	log.Info("gateway started", "version", version, "grpc", receiver.GRPCAddr(), "http", receiver.HTTPAddr())

	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	for done := false; !done; {
		select {
		case <-hup:
			chain.Reload()
		case <-ctx.Done():
			done = true
		}
	}
	log.Info("stopping: no new data is accepted; flushing")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	return errors.Join(
		receiver.Shutdown(sctx),
		batcher.Shutdown(sctx),
		fwd.Shutdown(sctx),
		tel.Shutdown(sctx),
	)
}
