package main

import (
	"log/slog"
	"time"

	"github.com/dbintel/dbintel/pkg/pipeline"
	"github.com/dbintel/dbintel/pkg/pipeline/cardinality"
	"github.com/dbintel/dbintel/pkg/pipeline/dbbreaker"
	"github.com/dbintel/dbintel/pkg/pipeline/enrich"
	"github.com/dbintel/dbintel/pkg/pipeline/memlimit"
	"github.com/dbintel/dbintel/pkg/pipeline/plans"
	"github.com/dbintel/dbintel/pkg/pipeline/sample"
	"github.com/dbintel/dbintel/pkg/pipeline/verify"
	"github.com/prometheus/client_golang/prometheus"
)

// buildChain assembles the gateway's stages in their fixed order:
//
//	memory_limiter → enrich → plans → sample → breaker → verify → cardinality → next
//
// Plans come before sampling so dedup can key on the plan hash; sampling and
// shedding come before verification so PII scanning runs only on what is
// kept; cardinality runs last, on what will really be sent.
func buildChain(cfg PipelineConfig, next pipeline.Consumer, reg prometheus.Registerer, log *slog.Logger) (*generation, error) {
	limiter, err := memlimit.New(cfg.MemoryLimiter, reg)
	if err != nil {
		return nil, err
	}
	enricher, err := enrich.New(cfg.Enrich)
	if err != nil {
		return nil, err
	}
	extractor, err := plans.New(cfg.Plans, reg, log.With("stage", "plans"))
	if err != nil {
		return nil, err
	}
	sampler, err := sample.New(cfg.Sample, reg, log.With("stage", "sample"), time.Now)
	if err != nil {
		return nil, err
	}
	breaker, err := dbbreaker.New(cfg.Breaker, reg, log.With("stage", "breaker"), time.Now)
	if err != nil {
		return nil, err
	}
	verifier, err := verify.New(cfg.Verify, reg, log.With("stage", "verify"))
	if err != nil {
		return nil, err
	}
	cards, err := cardinality.New(cfg.Cardinality, reg, time.Now)
	if err != nil {
		return nil, err
	}
	chain := pipeline.NewChain(reg, next,
		pipeline.NamedStage{Name: "memory_limiter", Stage: limiter},
		pipeline.NamedStage{Name: "enrich", Stage: enricher},
		pipeline.NamedStage{Name: "plans", Stage: extractor},
		pipeline.NamedStage{Name: "sample", Stage: sampler},
		pipeline.NamedStage{Name: "breaker", Stage: breaker},
		pipeline.NamedStage{Name: "verify", Stage: verifier},
		pipeline.NamedStage{Name: "cardinality", Stage: cards},
	)
	return &generation{chain: chain, breaker: breaker, plans: extractor, limiter: limiter}, nil
}
