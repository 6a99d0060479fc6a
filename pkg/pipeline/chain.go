package pipeline

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// NamedStage is a stage with the name its self-metrics carry.
type NamedStage struct {
	Name  string
	Stage Stage
}

// Chain runs stages in order, then hands what is left to next. It counts, per
// stage and signal, the items in and out and the time spent, so stages only
// keep metrics about their own domain.
type Chain struct {
	stages []NamedStage
	next   Consumer
	m      *chainMetrics
}

// NewChain builds a chain. reg may be nil (no self-metrics, for tests).
func NewChain(reg prometheus.Registerer, next Consumer, stages ...NamedStage) *Chain {
	return &Chain{stages: stages, next: next, m: newChainMetrics(reg, stages)}
}

// StageNames lists the stages in the order they run.
func (c *Chain) StageNames() []string {
	names := make([]string, len(c.stages))
	for i, s := range c.stages {
		names[i] = s.Name
	}
	return names
}

// Consume runs every stage, then the next consumer. A stage error stops the
// batch there and is returned unchanged (a refusal stays a refusal).
func (c *Chain) Consume(ctx context.Context, b Batch) error {
	for i, s := range c.stages {
		in := b.Counts()
		start := time.Now()
		out, err := s.Stage.Process(ctx, b)
		c.m.observe(i, in, out, err, time.Since(start))
		if err != nil {
			return err
		}
		b = out
		if b.Empty() {
			return nil
		}
	}
	return c.next.Consume(ctx, b)
}

type stageMetrics struct {
	in, out, dropped, added [3]prometheus.Counter
	refused                 prometheus.Counter
	seconds                 prometheus.Observer
}

type chainMetrics struct{ stages []stageMetrics }

var signals = [3]string{"metrics", "logs", "traces"}

func newChainMetrics(reg prometheus.Registerer, stages []NamedStage) *chainMetrics {
	in := prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "dbintel", Subsystem: "pipeline", Name: "stage_items_in_total",
		Help: "Items (data points, log records, spans) entering a stage."}, []string{"stage", "signal"})
	out := prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "dbintel", Subsystem: "pipeline", Name: "stage_items_out_total",
		Help: "Items leaving a stage."}, []string{"stage", "signal"})
	dropped := prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "dbintel", Subsystem: "pipeline", Name: "stage_items_dropped_total",
		Help: "Items a stage removed (sampling, shedding, PII drop); the stage's own metrics say why."}, []string{"stage", "signal"})
	added := prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "dbintel", Subsystem: "pipeline", Name: "stage_items_added_total",
		Help: "Items a stage added to the stream (breaker and plan-change events)."}, []string{"stage", "signal"})
	refused := prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "dbintel", Subsystem: "pipeline", Name: "stage_items_refused_total",
		Help: "Items a stage refused with an error (returned to the sender)."}, []string{"stage"})
	seconds := prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: "dbintel", Subsystem: "pipeline", Name: "stage_duration_seconds",
		Help: "Time a stage spent per batch.", Buckets: prometheus.ExponentialBuckets(1e-6, 4, 12)}, []string{"stage"})
	if reg != nil {
		reg.MustRegister(in, out, dropped, added, refused, seconds)
	}
	m := &chainMetrics{stages: make([]stageMetrics, len(stages))}
	for i, s := range stages {
		for j, sig := range signals {
			m.stages[i].in[j] = in.WithLabelValues(s.Name, sig)
			m.stages[i].out[j] = out.WithLabelValues(s.Name, sig)
			m.stages[i].dropped[j] = dropped.WithLabelValues(s.Name, sig)
			m.stages[i].added[j] = added.WithLabelValues(s.Name, sig)
		}
		m.stages[i].refused = refused.WithLabelValues(s.Name)
		m.stages[i].seconds = seconds.WithLabelValues(s.Name)
	}
	return m
}

func (m *chainMetrics) observe(i int, in Counts, b Batch, err error, d time.Duration) {
	s := &m.stages[i]
	s.seconds.Observe(d.Seconds())
	inv := [3]int{in.Points, in.Records, in.Spans}
	for j := range inv {
		s.in[j].Add(float64(inv[j]))
	}
	if err != nil {
		s.refused.Add(float64(in.Total()))
		return
	}
	out := b.Counts()
	outv := [3]int{out.Points, out.Records, out.Spans}
	for j := range outv {
		s.out[j].Add(float64(outv[j]))
		switch d := inv[j] - outv[j]; {
		case d > 0:
			s.dropped[j].Add(float64(d))
		case d < 0:
			s.added[j].Add(float64(-d))
		}
	}
}
