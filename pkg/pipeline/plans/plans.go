package plans

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unsafe"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/dbintel/dbintel/pkg/contract"
	"github.com/dbintel/dbintel/pkg/pipeline"
)

// Extractor is the plan extractor stage. It is safe for concurrent use.
type Extractor struct {
	cfg     Config
	lim     limits
	log     *slog.Logger
	m       *metrics
	tracker *tracker
	recent  recent
}

// New builds the stage. reg may be nil (tests); log may be nil (discard).
func New(cfg Config, reg prometheus.Registerer, log *slog.Logger) (*Extractor, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("plans: invalid config: %w", err)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	m, err := newMetrics(reg)
	if err != nil {
		return nil, fmt.Errorf("plans: metrics: %w", err)
	}
	t, err := newTracker(cfg.ChangeCacheSize, m.evictions.Inc)
	if err != nil {
		return nil, err
	}
	log.Info("plan extractor ready", "enabled", cfg.Enabled, "max_plan_bytes", cfg.MaxPlanBytes, "change_cache_size", cfg.ChangeCacheSize)
	return &Extractor{cfg: cfg, lim: limits{maxBytes: cfg.MaxPlanBytes, maxDepth: cfg.MaxDepth}, log: log, m: m, tracker: t}, nil
}

// Process annotates plan records in place and appends plan_change events to
// the resource they concern. Every record passes through; metrics and
// traces are not touched.
func (e *Extractor) Process(_ context.Context, b pipeline.Batch) (pipeline.Batch, error) {
	if !e.cfg.Enabled {
		return b, nil
	}
	for _, rl := range b.Logs.ResourceLogs().All() {
		var changes []change
		src := source{res: rl.Resource()}
		for _, sl := range rl.ScopeLogs().All() {
			for _, lr := range sl.LogRecords().All() {
				if c, ok := e.record(&src, lr); ok {
					changes = append(changes, c)
				}
			}
		}
		if len(changes) > 0 {
			now := time.Now()
			appendChanges(rl, changes, now)
			e.recent.add(changes, now)
			e.m.changes.Add(float64(len(changes)))
		}
	}
	return b, nil
}

// source is a resource's source key, computed once and only for a
// resource that has a plan with a query id.
type source struct {
	res pcommon.Resource
	key string
	set bool
}

func (s *source) sourceKey() string {
	if !s.set {
		s.key, s.set = contract.SourceKey(s.res), true
	}
	return s.key
}

// record handles one log record and reports a plan change if it caused one.
func (e *Extractor) record(src *source, lr plog.LogRecord) (change, bool) {
	data, ok := e.planBytes(lr)
	if !ok {
		return change{}, false
	}
	attrs := lr.Attributes()
	var s *summary
	err := errTooLarge
	if data != nil {
		s, err = extract(data, e.lim)
	}
	if err != nil {
		reason := reasonParse
		if errors.Is(err, errTooLarge) || errors.Is(err, errTooDeep) {
			reason = reasonTooLarge
		}
		attrs.PutStr(contract.AttrPlanError, reason)
		e.m.errors[reason].Inc()
		return change{}, false
	}
	e.m.parsed[s.system].Inc()
	hash := putSummary(attrs, s)
	q := query{}
	if q.id, q.idAttr = contract.QueryIDAttr(attrs); q.id == "" {
		return change{}, false
	}
	q.source = src.sourceKey()
	if ns, ok := attrs.Get(contract.AttrNamespace); ok {
		q.namespace = contract.ValueString(ns)
	} else if ns, ok := src.res.Attributes().Get(contract.AttrNamespace); ok {
		q.namespace = contract.ValueString(ns)
	}
	now := lastPlan{hash: hash, cost: s.totalCost, hasCost: s.hasTotalCost}
	old, changed := e.tracker.observe(q.key(), now)
	if !changed {
		return change{}, false
	}
	ts := lr.Timestamp()
	if ts == 0 {
		ts = lr.ObservedTimestamp()
	}
	if ts == 0 {
		ts = pcommon.NewTimestampFromTime(time.Now())
	}
	return change{q: q, old: old, new: now, timestamp: ts}, true
}

// planBytes returns the plan text of a record, or false when the record
// carries no plan: none in the receivers' plan attribute (contract.Plan,
// on any event, as New Relic's receivers put it on top_query events too),
// none in the configured body_attribute, and a body that is neither
// declared a plan (a db.server.query_plan event) nor looks like one. A nil
// slice with true means a plan over max_plan_bytes or max_depth.
func (e *Extractor) planBytes(lr plog.LogRecord) ([]byte, bool) {
	if plan, _, ok := contract.Plan(lr.Attributes()); ok {
		if len(plan) > e.lim.maxBytes {
			return nil, true
		}
		return readOnly(plan), true
	}
	v := lr.Body()
	if e.cfg.BodyAttribute != "" {
		if a, ok := lr.Attributes().Get(e.cfg.BodyAttribute); ok {
			v = a
		}
	}
	declared := contract.EventName(lr) == contract.EventQueryPlan
	switch v.Type() {
	case pcommon.ValueTypeStr:
		// Test before copying: most logs are not plans, and an oversized
		// plan is refused without being copied.
		if !declared && !looksLikePlan(v.Str()) {
			return nil, false
		}
		if len(v.Str()) > e.lim.maxBytes {
			return nil, true
		}
		return readOnly(v.Str()), true
	case pcommon.ValueTypeBytes:
		raw := v.Bytes().AsRaw()
		if raw == nil {
			raw = []byte{} // nil means oversized to record()
		}
		return raw, declared || looksLikePlan(string(raw))
	case pcommon.ValueTypeMap, pcommon.ValueTypeSlice:
		// A structured body only counts when declared: re-encoding every
		// structured log to find out would be too costly. Encoding
		// recurses once per level, so the depth is checked first, without
		// recursion: a sender can nest a body a million levels deep.
		if !declared {
			return nil, false
		}
		if contract.DeeperThan(v, e.lim.maxDepth) {
			return nil, true
		}
		raw, err := json.Marshal(v.AsRaw())
		if err != nil {
			return []byte{}, true // reported as a parse error
		}
		return raw, true
	default:
		return []byte{}, declared
	}
}

// looksLikePlan is the cheap test for logs that are not declared plan
// events: only JSON that names a plan root is worth parsing, so ordinary
// logs never get a parse error attribute.
func looksLikePlan(s string) bool {
	t := strings.TrimLeft(s, " \t\r\n")
	if !strings.HasPrefix(t, "{") && !strings.HasPrefix(t, "[") {
		i := strings.Index(s, string(wrapperMarker))
		if i < 0 {
			return false
		}
		t = strings.TrimLeft(s[i+len(wrapperMarker):], " \t\r\n")
		if !strings.HasPrefix(t, "{") && !strings.HasPrefix(t, "[") {
			return false
		}
	}
	return strings.Contains(t, `"Plan"`) || strings.Contains(t, `"query_block"`) ||
		(strings.Contains(t, `"message"`) && strings.Contains(t, string(wrapperMarker)))
}

// readOnly views a plan string as bytes without copying it (a copy per plan
// was 13% of the gateway's allocated bytes under make loadtest's logs). It
// is safe because extract only reads its input and keeps nothing of it past
// the call: what it returns is copied into strings. Never write to it.
func readOnly(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }
