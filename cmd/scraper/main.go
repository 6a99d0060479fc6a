// Command scraper runs next to a PostgreSQL or MySQL/MariaDB server, collects
// database intelligence over one connection per server (PostgreSQL adds up
// to databases.max_connections for per-database statistics) and ships it as OTLP
// to a dbintel gateway. `scraper --once` prints one scrape as OTLP JSON.
package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/dbintel/dbintel/internal/cli"
	"github.com/dbintel/dbintel/internal/config"
	"github.com/dbintel/dbintel/internal/telemetry"
	"github.com/dbintel/dbintel/pkg/pipeline"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

var version = "dev"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("scraper", flag.ContinueOnError)
	once := fs.Bool("once", false, "scrape every database once, print the OTLP JSON to stdout and exit")
	cfg := defaultConfig()
	flags, code, done := cli.Start(fs, version, 15*time.Second, args, stdout, stderr, &cfg)
	if done {
		return code
	}
	log := cfg.Telemetry.Logger(stderr)
	cfg.Runtime.apply(os.Getenv, cfg.Telemetry.PprofEndpoint)

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	var err error
	if *once {
		err = scrapeOnce(ctx, cfg, stdout, log)
	} else {
		err = serve(ctx, cfg, log, flags.ShutdownTimeout)
	}
	if err != nil {
		log.Error("scraper failed", "err", err)
		return 1
	}
	return 0
}

func serve(ctx context.Context, cfg Config, log *slog.Logger, shutdownTimeout time.Duration) error {
	reg := telemetry.NewRegistry()
	fwd, err := newGateways(cfg, reg, log.With("component", "forward"))
	if err != nil {
		return err
	}
	if err := fwd.Start(ctx); err != nil {
		return err
	}
	targets, err := buildTargets(cfg, fwd.For, reg, log)
	if err != nil {
		return errors.Join(err, fwd.Shutdown(context.Background()))
	}
	tel, err := telemetry.Start(cfg.Telemetry, reg, fwd.Ready, log)
	if err != nil {
		return errors.Join(err, fwd.Shutdown(context.Background()))
	}
	for _, t := range targets {
		if err := t.sched.Start(ctx); err != nil {
			return err
		}
	}
	gws := append([]string{}, cfg.Gateways...)
	if len(gws) == 0 {
		gws = []string{cfg.Forward.Endpoint}
	}
	for i := range gws {
		gws[i] = config.RedactURL(gws[i])
	}
	log.Info("scraper started", "version", version, "targets", len(targets), "gateways", gws)

	<-ctx.Done()
	log.Info("stopping")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	var errs []error
	for _, t := range targets {
		errs = append(errs, t.sched.Shutdown(sctx))
		t.close()
	}
	errs = append(errs, fwd.Shutdown(sctx), tel.Shutdown(sctx))
	return errors.Join(errs...)
}

// scrapeOnce prints each signal of one scrape as an OTLP JSON line: the
// same encoding the OTLP/HTTP JSON protocol and the file sink use.
func scrapeOnce(ctx context.Context, cfg Config, stdout io.Writer, log *slog.Logger) error {
	var mu sync.Mutex
	var printErr error
	printer := pipeline.ConsumerFunc(func(_ context.Context, b pipeline.Batch) error {
		mu.Lock()
		defer mu.Unlock()
		if b.Metrics.DataPointCount() > 0 {
			out, err := (&pmetric.JSONMarshaler{}).MarshalMetrics(b.Metrics)
			printErr = errors.Join(printErr, err, writeLine(stdout, out))
		}
		if b.Logs.LogRecordCount() > 0 {
			out, err := (&plog.JSONMarshaler{}).MarshalLogs(b.Logs)
			printErr = errors.Join(printErr, err, writeLine(stdout, out))
		}
		return nil
	})
	targets, err := buildTargets(cfg, func(string) pipeline.Consumer { return printer }, nil, log)
	if err != nil {
		return err
	}
	// Concurrently: a server that is down costs its connect timeout, not
	// everybody's.
	errs := make([]error, len(targets))
	var wg sync.WaitGroup
	for i, t := range targets {
		wg.Go(func() {
			errs[i] = t.sched.Once(ctx)
			t.close()
		})
	}
	wg.Wait()
	return errors.Join(append(errs, printErr)...)
}

func writeLine(w io.Writer, b []byte) error {
	_, err := w.Write(append(b, '\n'))
	return err
}
