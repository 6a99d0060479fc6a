package postgres

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/dbintel/dbintel/pkg/scrape"
)

// pgMetrics are the PostgreSQL collectors' own self-metrics.
type pgMetrics struct {
	dealloc        prometheus.Counter
	resets         prometheus.Counter
	tracked        prometheus.Gauge
	dropped        prometheus.Counter
	textEvicted    prometheus.Counter
	hidden         prometheus.Gauge
	sessDropped    prometheus.Counter
	plansDropped   prometheus.Counter
	explainFailed  prometheus.Counter
	explainSkipped prometheus.Counter
}

func newPGMetrics(reg prometheus.Registerer) *pgMetrics {
	m := &pgMetrics{
		dealloc: prometheus.NewCounter(prometheus.CounterOpts{Namespace: "dbintel", Subsystem: "scrape_postgres", Name: "pg_stat_statements_deallocations_total",
			Help: "Entries pg_stat_statements evicted (pg_stat_statements_info.dealloc); a steady rate means pg_stat_statements.max is too small."}),
		resets: prometheus.NewCounter(prometheus.CounterOpts{Namespace: "dbintel", Subsystem: "scrape_postgres", Name: "query_stats_resets_total",
			Help: "Resets of pg_stat_statements seen; each re-baselines the query statistics."}),
		tracked: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: "dbintel", Subsystem: "scrape_postgres", Name: "query_stats_tracked",
			Help: "pg_stat_statements entries whose counters the scraper remembers."}),
		dropped: prometheus.NewCounter(prometheus.CounterOpts{Namespace: "dbintel", Subsystem: "scrape_postgres", Name: "query_stats_untracked_total",
			Help: "Entries not tracked because query_stats.max_statements was reached."}),
		textEvicted: prometheus.NewCounter(prometheus.CounterOpts{Namespace: "dbintel", Subsystem: "scrape_postgres", Name: "query_text_cache_evictions_total",
			Help: "Query texts evicted from the bounded text cache (they are fetched again when needed)."}),
		hidden: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: "dbintel", Subsystem: "scrape_postgres", Name: "query_stats_hidden",
			Help: "pg_stat_statements entries the scraper's role cannot see (grant pg_read_all_stats)."}),
		sessDropped: prometheus.NewCounter(prometheus.CounterOpts{Namespace: "dbintel", Subsystem: "scrape_postgres", Name: "session_samples_dropped_total",
			Help: "Session samples or session series not kept because an emission window was full (sessions.max_samples)."}),
		plansDropped: prometheus.NewCounter(prometheus.CounterOpts{Namespace: "dbintel", Subsystem: "scrape_postgres", Name: "plans_dropped_total",
			Help: "auto_explain plans not sent: over plans.max_plans per interval, or not JSON."}),
		explainFailed: prometheus.NewCounter(prometheus.CounterOpts{Namespace: "dbintel", Subsystem: "scrape_postgres", Name: "explain_failures_total",
			Help: "Opt-in EXPLAINs that failed (the statement is not retried for explain.error_ttl)."}),
		explainSkipped: prometheus.NewCounter(prometheus.CounterOpts{Namespace: "dbintel", Subsystem: "scrape_postgres", Name: "explain_skipped_total",
			Help: "Candidate statements not explained because they are not a plain SELECT/WITH."}),
	}
	if reg != nil {
		m.explainFailed = scrape.RegisterOrGet(reg, m.explainFailed)
		m.explainSkipped = scrape.RegisterOrGet(reg, m.explainSkipped)
		m.plansDropped = scrape.RegisterOrGet(reg, m.plansDropped)
		m.sessDropped = scrape.RegisterOrGet(reg, m.sessDropped)
		m.dealloc = scrape.RegisterOrGet(reg, m.dealloc)
		m.resets = scrape.RegisterOrGet(reg, m.resets)
		m.tracked = scrape.RegisterOrGet(reg, m.tracked)
		m.dropped = scrape.RegisterOrGet(reg, m.dropped)
		m.textEvicted = scrape.RegisterOrGet(reg, m.textEvicted)
		m.hidden = scrape.RegisterOrGet(reg, m.hidden)
	}
	return m
}
