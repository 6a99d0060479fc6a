package main

import (
	"context"
	"log/slog"
	"reflect"
	"sync"
	"sync/atomic"

	"github.com/dbintel/dbintel/internal/config"
	"github.com/dbintel/dbintel/internal/status"
	"github.com/dbintel/dbintel/pkg/pipeline"
	"github.com/dbintel/dbintel/pkg/pipeline/dbbreaker"
	"github.com/dbintel/dbintel/pkg/pipeline/memlimit"
	"github.com/dbintel/dbintel/pkg/pipeline/plans"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// liveChain is the receiver's consumer: the current generation of stages.
// SIGHUP builds a new generation from the config file and swaps it in; a
// batch already inside the old chain finishes there, so nothing is dropped.
// Stages keep state (breakers, dedup windows, plan hashes) per generation:
// a reload starts them fresh, which the reload log line says.
type liveChain struct {
	path  string
	next  pipeline.Consumer
	fwd   exporter
	log   *slog.Logger
	cur   atomic.Pointer[generation]
	mu    sync.Mutex // one reload at a time
	loads atomic.Int64
}

// generation is one build of the stages, with its own self-metrics
// registry: re-registering the stages' metrics in the process registry
// would collide, and counters of a new generation start at zero.
type generation struct {
	chain   *pipeline.Chain
	breaker *dbbreaker.Breaker
	plans   *plans.Extractor
	limiter *memlimit.Limiter
	reg     *prometheus.Registry
	cfg     Config
}

func newLiveChain(path string, cfg Config, next pipeline.Consumer, fwd exporter, log *slog.Logger) (*liveChain, error) {
	lc := &liveChain{path: path, next: next, fwd: fwd, log: log}
	g, err := lc.build(cfg)
	if err != nil {
		return nil, err
	}
	lc.cur.Store(g)
	return lc, nil
}

func (lc *liveChain) build(cfg Config) (*generation, error) {
	reg := prometheus.NewRegistry()
	g, err := buildChain(cfg.Pipeline, lc.next, reg, lc.log)
	if err != nil {
		return nil, err
	}
	// Permanent export failures count against the source database's breaker.
	lc.fwd.SetFailureObserver(g.breaker)
	g.reg, g.cfg = reg, cfg
	return g, nil
}

// Consume hands b to the current generation.
func (lc *liveChain) Consume(ctx context.Context, b pipeline.Batch) error {
	return lc.cur.Load().chain.Consume(ctx, b)
}

// Admit asks the forward queue and the current memory limiter whether a
// request body may be read, so a full queue or a heap above the soft limit
// refuses before decoding, not after.
func (lc *liveChain) Admit() error {
	if lc.fwd != nil {
		if err := lc.fwd.Admit(); err != nil {
			return err
		}
	}
	_, err := lc.cur.Load().limiter.Process(context.Background(), admissionProbe)
	return err
}

// admissionProbe is the empty batch Admit shows the limiter, which looks
// only at the heap.
var admissionProbe = pipeline.NewBatch()

// StageNames lists the current stages in order.
func (lc *liveChain) StageNames() []string { return lc.cur.Load().chain.StageNames() }

// PlanChanges lists the current plan extractor's recent changes for the
// status page.
func (lc *liveChain) PlanChanges() []status.PlanChange {
	var out []status.PlanChange
	for _, c := range lc.cur.Load().plans.RecentChanges() {
		out = append(out, status.PlanChange{At: c.At, Database: c.Database, QueryID: c.QueryID,
			OldHash: c.OldHash, NewHash: c.NewHash, OldCost: c.OldCost, NewCost: c.NewCost})
	}
	return out
}

// Gather merges the current generation's self-metrics into a scrape.
func (lc *liveChain) Gather() ([]*dto.MetricFamily, error) { return lc.cur.Load().reg.Gather() }

// Reload re-reads the config file and swaps in new stages. A file that does
// not load or validate leaves the running stages untouched. The pipeline
// stages are reloaded; changes to batch, receiver, forward and telemetry are
// reported as needing a restart.
func (lc *liveChain) Reload() {
	lc.mu.Lock()
	defer lc.mu.Unlock()
	if lc.path == "" {
		lc.log.Warn("reload: the gateway runs on defaults (no --config); nothing to reload")
		return
	}
	cfg := defaultConfig()
	if err := config.Load(lc.path, &cfg); err != nil {
		lc.log.Error("reload: config rejected; the running pipeline is unchanged", "path", lc.path, "err", err)
		return
	}
	cfg.resolveSink()
	old := lc.cur.Load().cfg
	g, err := lc.build(cfg)
	if err != nil {
		lc.log.Error("reload: pipeline rejected; the running pipeline is unchanged", "err", err)
		return
	}
	lc.cur.Store(g)
	lc.loads.Add(1)
	lc.log.Info("reload: pipeline stages rebuilt from the config file (sampler, breaker, PII and plan state start fresh)", "path", lc.path)
	for name, changed := range map[string]bool{
		"receiver":         !reflect.DeepEqual(old.Receiver, cfg.Receiver),
		"forward":          !reflect.DeepEqual(old.Forward, cfg.Forward),
		"telemetry":        old.Telemetry != cfg.Telemetry,
		"pipeline.batch":   old.Pipeline.Batch != cfg.Pipeline.Batch,
		"no_key_sink_file": old.NoKeySinkFile != cfg.NoKeySinkFile,
	} {
		if changed {
			lc.log.Warn("reload: this section changed but only takes effect after a restart", "section", name)
		}
	}
}
