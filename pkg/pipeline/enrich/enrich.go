package enrich

import (
	"context"
	"fmt"

	"github.com/dbintel/dbintel/pkg/pipeline"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

// Enricher is the enrichment stage. It keeps no state and is safe for
// concurrent use.
type Enricher struct {
	resource, record []op
}

type op struct {
	action, key, newKey string
	value               pcommon.Value
}

// New builds the stage from a validated config.
func New(cfg Config) (*Enricher, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("enrich: %w", err)
	}
	return &Enricher{resource: compile(cfg.Resource), record: compile(cfg.Attributes)}, nil
}

func compile(actions []Action) []op {
	ops := make([]op, len(actions))
	for i, a := range actions {
		ops[i] = op{action: a.Action, key: a.Key, newKey: a.NewKey}
		if a.Value != nil {
			ops[i].value = pcommon.NewValueEmpty()
			// Validate admitted only scalar types FromRaw accepts.
			_ = ops[i].value.FromRaw(a.Value)
		}
	}
	return ops
}

// Process applies the changes in place. It never removes an item.
func (e *Enricher) Process(_ context.Context, b pipeline.Batch) (pipeline.Batch, error) {
	if len(e.resource) == 0 && len(e.record) == 0 {
		return b, nil
	}
	for _, rm := range b.Metrics.ResourceMetrics().All() {
		apply(e.resource, rm.Resource().Attributes())
		if len(e.record) == 0 {
			continue
		}
		for _, sm := range rm.ScopeMetrics().All() {
			for _, m := range sm.Metrics().All() {
				e.points(m)
			}
		}
	}
	for _, rl := range b.Logs.ResourceLogs().All() {
		apply(e.resource, rl.Resource().Attributes())
		for _, sl := range rl.ScopeLogs().All() {
			for _, lr := range sl.LogRecords().All() {
				apply(e.record, lr.Attributes())
			}
		}
	}
	for _, rs := range b.Traces.ResourceSpans().All() {
		apply(e.resource, rs.Resource().Attributes())
		for _, ss := range rs.ScopeSpans().All() {
			for _, s := range ss.Spans().All() {
				apply(e.record, s.Attributes())
			}
		}
	}
	return b, nil
}

func (e *Enricher) points(m pmetric.Metric) {
	switch m.Type() {
	case pmetric.MetricTypeGauge:
		for _, p := range m.Gauge().DataPoints().All() {
			apply(e.record, p.Attributes())
		}
	case pmetric.MetricTypeSum:
		for _, p := range m.Sum().DataPoints().All() {
			apply(e.record, p.Attributes())
		}
	case pmetric.MetricTypeHistogram:
		for _, p := range m.Histogram().DataPoints().All() {
			apply(e.record, p.Attributes())
		}
	case pmetric.MetricTypeExponentialHistogram:
		for _, p := range m.ExponentialHistogram().DataPoints().All() {
			apply(e.record, p.Attributes())
		}
	case pmetric.MetricTypeSummary:
		for _, p := range m.Summary().DataPoints().All() {
			apply(e.record, p.Attributes())
		}
	}
}

func apply(ops []op, attrs pcommon.Map) {
	for i := range ops {
		o := &ops[i]
		switch o.action {
		case ActInsert:
			if _, ok := attrs.Get(o.key); !ok {
				o.value.CopyTo(attrs.PutEmpty(o.key))
			}
		case ActUpdate:
			if v, ok := attrs.Get(o.key); ok {
				o.value.CopyTo(v)
			}
		case ActUpsert:
			o.value.CopyTo(attrs.PutEmpty(o.key))
		case ActDelete:
			attrs.Remove(o.key)
		case ActRename:
			if _, ok := attrs.Get(o.key); ok {
				// PutEmpty may grow the map's backing array, so the source
				// is looked up again after it rather than held across it.
				dst := attrs.PutEmpty(o.newKey)
				src, _ := attrs.Get(o.key)
				src.MoveTo(dst)
				attrs.Remove(o.key)
			}
		}
	}
}
