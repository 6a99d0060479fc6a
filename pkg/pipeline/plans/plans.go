package plans

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

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
	rls := b.Logs.ResourceLogs()
	for i := 0; i < rls.Len(); i++ {
		rl := rls.At(i)
		res := rl.Resource().Attributes()
		var changes []change
		sls := rl.ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			lrs := sls.At(j).LogRecords()
			for k := 0; k < lrs.Len(); k++ {
				if c, ok := e.record(res, lrs.At(k)); ok {
					changes = append(changes, c)
				}
			}
		}
		if len(changes) > 0 {
			now := time.Now()
			appendChanges(rl, changes, now)
			e.recent.add(databaseName(res), changes, now)
			e.m.changes.Add(float64(len(changes)))
		}
	}
	return b, nil
}

// record handles one log record and reports a plan change if it caused one.
func (e *Extractor) record(res pcommon.Map, lr plog.LogRecord) (change, bool) {
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
		attrs.PutStr(attrError, reason)
		e.m.errors[reason].Inc()
		return change{}, false
	}
	e.m.parsed[s.system].Inc()
	hash := putSummary(attrs, s)
	qid, ok := attrs.Get(attrQueryID)
	if !ok || qid.AsString() == "" {
		return change{}, false
	}
	now := lastPlan{hash: hash, cost: s.totalCost, hasCost: s.hasTotalCost}
	old, changed := e.tracker.observe(databaseKey(res, qid.AsString()), now)
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
	return change{queryID: qid.AsString(), old: old, new: now, timestamp: ts}, true
}

// planBytes returns the plan text of a record, or false when the record is
// neither a declared plan event nor a body that looks like a plan. A nil
// slice with true means a string plan over max_plan_bytes.
func (e *Extractor) planBytes(lr plog.LogRecord) ([]byte, bool) {
	v := lr.Body()
	if e.cfg.BodyAttribute != "" {
		if a, ok := lr.Attributes().Get(e.cfg.BodyAttribute); ok {
			v = a
		}
	}
	declared := lr.EventName() == eventPlan
	if !declared {
		if n, ok := lr.Attributes().Get(attrEventName); ok && n.Str() == eventPlan {
			declared = true
		}
	}
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
		return []byte(v.Str()), true
	case pcommon.ValueTypeBytes:
		raw := v.Bytes().AsRaw()
		if raw == nil {
			raw = []byte{} // nil means oversized to record()
		}
		return raw, declared || looksLikePlan(string(raw))
	case pcommon.ValueTypeMap, pcommon.ValueTypeSlice:
		// A structured body only counts when declared: re-encoding every
		// structured log to find out would be too costly.
		if !declared {
			return nil, false
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
