package dbbreaker

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/dbintel/dbintel/pkg/contract"
	"github.com/dbintel/dbintel/pkg/pipeline"
	"github.com/dbintel/dbintel/pkg/pipeline/dbkey"
	"github.com/hashicorp/golang-lru/v2/simplelru"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/sony/gobreaker/v2"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

// Breaker is the per-database circuit breaker stage. It is safe for
// concurrent use: mu guards the keys, their state and the pending events,
// and is held for one look-up or one item at a time.
type Breaker struct {
	cfg    Config
	budget budgets
	log    *slog.Logger
	clock  func() time.Time
	m      *metrics

	mu      sync.Mutex
	now     time.Time // of the locked section in progress, for state-change callbacks
	keys    *simplelru.LRU[string, *keyState]
	series  *dbkey.Table // per-query series hash -> last seen, unix ns
	pending []event
}

// New builds the breaker. reg may be nil; log may be nil (no transition
// logs); clock is nil for time.Now (tests inject simulated time).
func New(cfg Config, reg prometheus.Registerer, log *slog.Logger, clock func() time.Time) (*Breaker, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("dbbreaker: %w", err)
	}
	if clock == nil {
		clock = time.Now
	}
	perInterval := func(perMinute int) int {
		return int((int64(perMinute)*int64(cfg.Interval) + int64(time.Minute) - 1) / int64(time.Minute))
	}
	b := &Breaker{cfg: cfg, log: log, clock: clock, m: newMetrics(reg),
		budget: budgets{volume: perInterval(cfg.VolumePerMinute), newSeries: perInterval(cfg.NewSeriesPerMinute), failures: cfg.ExportFailuresPerInterval}}
	var err error
	b.keys, err = simplelru.NewLRU(cfg.MaxKeys, func(key string, k *keyState) {
		k.evicted = true
		b.m.state.DeleteLabelValues(key)
		b.m.keysEvicted.Inc()
	})
	if err != nil {
		return nil, fmt.Errorf("dbbreaker: keys: %w", err)
	}
	b.series = dbkey.NewTable(cfg.SeriesMemory)
	return b, nil
}

// state returns the key's breaker, creating it closed.
func (b *Breaker) state(key string, res pcommon.Resource) *keyState {
	if k, ok := b.keys.Get(key); ok {
		return k
	}
	k := &keyState{key: key, identity: pcommon.NewMap(), state: gobreaker.StateClosed, closedSince: b.now}
	// Only the entity attributes, each bounded: enough for New Relic to
	// attach the events to the source's entity, and a hostile resource
	// cannot make a thousand keys' copies large.
	for _, name := range contract.EntityAttrs {
		if v, ok := res.Attributes().Get(name); ok {
			if v.Type() == pcommon.ValueTypeStr {
				k.identity.PutStr(name, contract.BoundLabel(v.Str()))
			} else if v.Type() == pcommon.ValueTypeInt {
				k.identity.PutInt(name, v.Int())
			}
		}
	}
	k.cb = gobreaker.NewTwoStepCircuitBreaker[struct{}](gobreaker.Settings{
		Name:          key,
		MaxRequests:   uint32(b.cfg.HealthyIntervals),
		Timeout:       time.Nanosecond,
		ReadyToTrip:   func(c gobreaker.Counts) bool { return c.ConsecutiveFailures >= 1 },
		OnStateChange: func(_ string, from, to gobreaker.State) { b.transition(k, from, to) },
	})
	b.m.state.WithLabelValues(key).Set(float64(gobreaker.StateClosed))
	b.keys.Add(key, k)
	b.startWindow(k, b.now)
	return k
}

// transition runs inside gobreaker when a key changes state.
func (b *Breaker) transition(k *keyState, from, to gobreaker.State) {
	k.state = to
	switch to {
	case gobreaker.StateOpen:
		k.trips++
		k.openUntil = b.now.Add(b.openTimeout(k.trips))
	case gobreaker.StateClosed:
		k.closedSince = b.now
	}
	if !k.evicted { // an evicted key's series stays deleted
		b.m.state.WithLabelValues(k.key).Set(float64(to))
	}
	b.m.transitions.WithLabelValues(from.String(), to.String(), k.reason).Inc()
	if b.log != nil {
		b.log.Warn("database breaker", "key", k.key, "from", from.String(), "to", to.String(), "reason", k.reason)
	}
	if len(b.pending) >= b.cfg.MaxPendingEvents {
		b.m.eventsDropped.Inc()
		return
	}
	ev := event{k: k, from: from, to: to, reason: k.reason, at: b.now}
	if k.reason == ReasonExportFailure {
		ev.detail = k.detail
	}
	if to == gobreaker.StateOpen {
		ev.openFor = k.openUntil.Sub(b.now)
	}
	b.pending = append(b.pending, ev)
}

// Process sheds the query-level data of keys whose breaker is open, counts
// the rest against the budgets, and appends one dbintel.breaker record per
// state change since the last batch. The lock is held per resource look-up
// and per metric or scope of log records, never for the batch: series are
// hashed before it, and two receivers' batches proceed on two cores.
func (b *Breaker) Process(_ context.Context, bt pipeline.Batch) (pipeline.Batch, error) {
	now := b.clock()
	shed := 0
	bt.Metrics.ResourceMetrics().RemoveIf(func(rm pmetric.ResourceMetrics) bool {
		src := b.begin(rm.Resource(), now)
		defer src.release(&shed)
		keyHash := dbkey.HashString(dbkey.HashOffset, src.key)
		rm.ScopeMetrics().RemoveIf(func(sm pmetric.ScopeMetrics) bool {
			sm.Metrics().RemoveIf(func(m pmetric.Metric) bool {
				src.nameHash = dbkey.HashString(keyHash, m.Name())
				src.items = src.items[:0]
				dbkey.RemovePointsIf(m, src.collectPoint)
				if !src.decide(true) {
					return len(src.items) == 0
				}
				return dbkey.RemovePointsIf(m, src.dropPoint) == 0
			})
			return sm.Metrics().Len() == 0
		})
		return rm.ScopeMetrics().Len() == 0
	})
	bt.Logs.ResourceLogs().RemoveIf(func(rl plog.ResourceLogs) bool {
		src := b.begin(rl.Resource(), now)
		defer src.release(&shed)
		rl.ScopeLogs().RemoveIf(func(sl plog.ScopeLogs) bool {
			src.items = src.items[:0]
			for _, lr := range sl.LogRecords().All() {
				src.items = append(src.items, item{query: contract.IsQueryLevelEvent(contract.EventName(lr))})
			}
			if !src.decide(false) {
				return len(src.items) == 0
			}
			sl.LogRecords().RemoveIf(src.dropRecord)
			return sl.LogRecords().Len() == 0
		})
		return rl.ScopeLogs().Len() == 0
	})
	b.m.shed.Add(float64(shed))
	b.flushEvents(bt)
	return bt, nil
}

// ExportFailed is called by the forwarder for data the backend rejected
// permanently; the items count against the export-failure budget of each
// resource's key. reason is the forwarder's (bounded) drop reason. Refusals
// that say the gateway itself is misconfigured — "unauthorized" (bad
// api-key) and "not_found" (wrong endpoint) — are nobody's source's fault
// and would trip every breaker at once, so they are ignored.
func (b *Breaker) ExportFailed(bt pipeline.Batch, reason string) {
	if reason == "unauthorized" || reason == "not_found" {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.now = b.clock()
	add := func(res pcommon.Resource, n int) {
		if n == 0 {
			return
		}
		k := b.state(keyOf(res), res)
		b.advance(k, b.now)
		if k.state == gobreaker.StateOpen {
			return
		}
		k.failures += n
		k.detail = reason
		b.check(k)
	}
	for _, rm := range bt.Metrics.ResourceMetrics().All() {
		n := 0
		for _, sm := range rm.ScopeMetrics().All() {
			for _, m := range sm.Metrics().All() {
				n += pipeline.PointCount(m)
			}
		}
		add(rm.Resource(), n)
	}
	for _, rl := range bt.Logs.ResourceLogs().All() {
		n := 0
		for _, sl := range rl.ScopeLogs().All() {
			n += sl.LogRecords().Len()
		}
		add(rl.Resource(), n)
	}
	for _, rs := range bt.Traces.ResourceSpans().All() {
		n := 0
		for _, ss := range rs.ScopeSpans().All() {
			n += ss.Spans().Len()
		}
		add(rs.Resource(), n)
	}
}

// keyOf is the source key (valid UTF-8, bounded: it is a map key and a
// label value).
func keyOf(res pcommon.Resource) string {
	if k := contract.SourceKey(res); k != "" {
		return k
	}
	return "unknown"
}
