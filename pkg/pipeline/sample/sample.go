package sample

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/dbintel/dbintel/pkg/contract"
	"github.com/dbintel/dbintel/pkg/pipeline"
	"github.com/dbintel/dbintel/pkg/pipeline/dbkey"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"
)

// Sampler is the adaptive sampling stage. It is safe for concurrent use
// and holds no lock for a batch: rules are read-only, counts are kept per
// call, and the shared state (dedup shards, budgets, rate limiters) is
// locked for one operation at a time, so two receivers' batches proceed on
// two cores.
type Sampler struct {
	cfg      Config
	now      func() time.Time
	rules    []rule
	m        *metrics
	dedup    *dedupCache
	budgets  *budgets // nil when budget.per_minute is 0
	defaultC ruleCounters
	keepC    ruleCounters
}

type rule struct {
	name    string
	conds   []condition
	rate    float64
	salt    uint64
	limiter *rate.Limiter // safe for concurrent use
	dedup   Dedup
	c       ruleCounters
}

// call is one Process call's clock reading and counts, added to the
// counters once at its end.
type call struct {
	now             time.Time
	defaultT, keepT tally
	ruleT           []tally // by rule index
}

// attrErrorType is OpenTelemetry's error attribute (any sender's, not a
// dbintel name).
const attrErrorType = "error.type"

var (
	saltDefault = dbkey.HashString(dbkey.HashOffset, "dbintel.default")
	saltBudget  = dbkey.HashString(dbkey.HashOffset, "dbintel.budget")
)

// New builds the sampler. reg may be nil (no self-metrics); now is the
// clock, nil for time.Now (tests inject simulated time).
func New(cfg Config, reg prometheus.Registerer, log *slog.Logger, now func() time.Time) (*Sampler, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("sample: %w", err)
	}
	if now == nil {
		now = time.Now
	}
	m := newMetrics(reg)
	s := &Sampler{cfg: cfg, now: now, m: m, defaultC: m.forRule(ruleDefault), keepC: m.forRule(ruleAlwaysKeep)}
	s.dedup = newDedupCache(cfg.DedupCacheSize, m.dedupEvicted)
	if cfg.Budget.PerMinute > 0 {
		var err error
		if s.budgets, err = newBudgets(cfg.Budget, m); err != nil {
			return nil, fmt.Errorf("sample: budgets: %w", err)
		}
	}
	for _, r := range cfg.Rules {
		cr := rule{name: r.Name, rate: 1, salt: dbkey.HashString(dbkey.HashOffset, "rule."+r.Name), dedup: r.Dedup, c: m.forRule(r.Name)}
		if r.SampleRate != nil {
			cr.rate = *r.SampleRate
		}
		if r.MaxPerMinute > 0 {
			cr.limiter = rate.NewLimiter(rate.Limit(float64(r.MaxPerMinute)/60), max(1, r.MaxPerMinute/6))
		}
		for _, c := range r.When {
			cr.conds = append(cr.conds, compileCondition(c))
		}
		s.rules = append(s.rules, cr)
	}
	if log != nil {
		log.Info("sampler ready", "rules", len(s.rules), "budget_per_minute", cfg.Budget.PerMinute, "dedup_window", cfg.Dedup.Window)
	}
	return s, nil
}

func (r *rule) matches(it *item) bool {
	for i := range r.conds {
		if !r.conds[i].match(it) {
			return false
		}
	}
	return true
}

// decide returns whether to keep the item, counting the outcome.
func (s *Sampler) decide(it *item, c *call) bool {
	now := c.now
	var r *rule
	ri := 0
	for ri = range s.rules {
		if s.rules[ri].matches(it) {
			r = &s.rules[ri]
			break
		}
	}
	if r == nil && !it.queryLevel {
		return true // infrastructure and non-database data: untouched
	}
	if s.protected(it) {
		c.keepT.matched++
		c.keepT.kept++
		return true
	}
	t, dd, salt := &c.defaultT, s.cfg.Dedup, saltDefault
	if r != nil {
		t, dd, salt = &c.ruleT[ri], r.dedup, r.salt
	}
	t.matched++
	// The default dedup is for events only: a repeated per-query metric
	// point is not an exact duplicate in the sense users expect (and
	// retries are the forwarder's business).
	if dd.Window > 0 && (r != nil || it.isEvent) && s.dedup.seen(it.dedupHash(dd.KeyAttributes, salt), now, dd.Window) {
		t.dropped[dropDedup]++
		return false
	}
	if r != nil && r.rate < 1 && !keep(salted(it.keyHash(s.cfg.KeyAttributes), r.salt), r.rate) {
		t.dropped[dropRate]++
		return false
	}
	if it.queryLevel && s.budgets != nil {
		rate := s.budgets.offer(it.res.budget(s.budgets, now), now)
		if !keep(salted(it.keyHash(s.cfg.KeyAttributes), saltBudget), rate) {
			t.dropped[dropBudget]++
			return false
		}
	}
	if r != nil && r.limiter != nil && !r.limiter.AllowN(now, 1) {
		t.dropped[dropLimit]++
		return false
	}
	t.kept++
	return true
}

// protected reports whether always_keep covers the item.
func (s *Sampler) protected(it *item) bool {
	k := &s.cfg.AlwaysKeep
	switch {
	case k.Blocking && it.eventName == contract.EventBlocking,
		k.PlanChanges && it.eventName == contract.EventPlanChange:
		return true
	}
	if k.Errors {
		if it.isError {
			return true
		}
		if _, ok := it.attrs.Get(attrErrorType); ok {
			return true
		}
	}
	if k.SlowQuerySeconds > 0 {
		if mean, ok := contract.MeanExecSeconds(it.attrs); ok && mean > k.SlowQuerySeconds {
			return true
		}
		for _, name := range k.SlowQueryAttributes {
			if v, ok := it.attrs.Get(name); ok && numeric(v) > k.SlowQuerySeconds {
				return true
			}
		}
	}
	return false
}

// Process removes what the rules, dedup and budgets drop, in place.
func (s *Sampler) Process(_ context.Context, b pipeline.Batch) (pipeline.Batch, error) {
	c := &call{now: s.now(), ruleT: make([]tally, len(s.rules))}
	s.metrics(b, c)
	s.logs(b, c)
	s.traces(b, c)
	s.defaultC.add(&c.defaultT)
	s.keepC.add(&c.keepT)
	for i := range s.rules {
		s.rules[i].c.add(&c.ruleT[i])
	}
	return b, nil
}
