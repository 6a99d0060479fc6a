package sample

import "github.com/prometheus/client_golang/prometheus"

// Rule label values besides the configured rule names.
const (
	ruleDefault    = "default"     // query-level items no rule matched
	ruleAlwaysKeep = "always_keep" // protected items
)

// Drop reasons, as indexes into reasons.
const (
	dropRate = iota
	dropLimit
	dropDedup
	dropBudget
)

var reasons = [...]string{dropRate: "rate", dropLimit: "limit", dropDedup: "dedup", dropBudget: "budget"}

// metrics are the sampler's self-metrics. Label values are bounded: rule
// names come from config; database keys are bounded by
// budget.max_databases (an evicted database's series is deleted).
type metrics struct {
	matched, kept *prometheus.CounterVec
	dropped       *prometheus.CounterVec
	effectiveRate *prometheus.GaugeVec
	dbEvicted     prometheus.Counter
	dedupEvicted  prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		matched: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "dbintel", Subsystem: "sampler", Name: "items_matched_total",
			Help: "Items a sampling rule applied to (rule=default: query-level items no rule matched; always_keep: protected items)."}, []string{"rule"}),
		kept: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "dbintel", Subsystem: "sampler", Name: "items_kept_total",
			Help: "Items a rule kept."}, []string{"rule"}),
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "dbintel", Subsystem: "sampler", Name: "items_dropped_total",
			Help: "Items a rule dropped, by reason: rate (sample_rate), limit (max_per_minute), dedup (repeat within the window), budget (database over its per-minute budget)."}, []string{"rule", "reason"}),
		effectiveRate: prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: "dbintel", Subsystem: "sampler", Name: "effective_rate",
			Help: "Current budget keep-rate of a database's query-level items (1 = all kept)."}, []string{"database"}),
		dbEvicted: prometheus.NewCounter(prometheus.CounterOpts{Namespace: "dbintel", Subsystem: "sampler", Name: "databases_evicted_total",
			Help: "Databases whose budget state was evicted (budget.max_databases reached)."}),
		dedupEvicted: prometheus.NewCounter(prometheus.CounterOpts{Namespace: "dbintel", Subsystem: "sampler", Name: "dedup_evicted_total",
			Help: "Dedup entries evicted before their window ended (dedup_cache_size reached)."}),
	}
	if reg != nil {
		reg.MustRegister(m.matched, m.kept, m.dropped, m.effectiveRate, m.dbEvicted, m.dedupEvicted)
	}
	return m
}

// ruleCounters are one rule's counters, resolved once so the hot path does
// no label lookup; tallies are added once per batch.
type ruleCounters struct {
	matched, kept prometheus.Counter
	dropped       [len(reasons)]prometheus.Counter
}

type tally struct {
	matched, kept int
	dropped       [len(reasons)]int
}

func (m *metrics) forRule(name string) ruleCounters {
	rc := ruleCounters{matched: m.matched.WithLabelValues(name), kept: m.kept.WithLabelValues(name)}
	for i, r := range reasons {
		rc.dropped[i] = m.dropped.WithLabelValues(name, r)
	}
	return rc
}

func (rc *ruleCounters) add(t *tally) {
	rc.matched.Add(float64(t.matched))
	rc.kept.Add(float64(t.kept))
	for i := range t.dropped {
		rc.dropped[i].Add(float64(t.dropped[i]))
	}
	*t = tally{}
}
