package mysql

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/dbintel/dbintel/pkg/scrape"
)

// selfMetrics are the MySQL collectors' own self-metrics (no labels: label
// values would have to name servers, which the target resource does).
type selfMetrics struct {
	digestLost   prometheus.Gauge
	resets       prometheus.Counter
	tracked      prometheus.Gauge
	untracked    prometheus.Counter
	textEvicted  prometheus.Counter
	infraDropped prometheus.Gauge
	explains     *prometheus.CounterVec
}

func newSelfMetrics(reg prometheus.Registerer) *selfMetrics {
	const sub = "scrape_mysql"
	m := &selfMetrics{
		digestLost: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: "dbintel", Subsystem: sub, Name: "digest_lost",
			Help: "Performance_schema_digest_lost of the server: statements not counted because events_statements_summary_by_digest is full (raise performance_schema_digests_size)."}),
		resets: prometheus.NewCounter(prometheus.CounterOpts{Namespace: "dbintel", Subsystem: sub, Name: "query_stats_resets_total",
			Help: "Digest rows seen reset (TRUNCATE of the digest table or re-created rows); each is re-baselined, never sent as a negative."}),
		tracked: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: "dbintel", Subsystem: sub, Name: "query_stats_tracked",
			Help: "Digests whose counters the scraper remembers."}),
		untracked: prometheus.NewCounter(prometheus.CounterOpts{Namespace: "dbintel", Subsystem: sub, Name: "query_stats_untracked_total",
			Help: "Digests not tracked because query_stats.max_statements was reached."}),
		textEvicted: prometheus.NewCounter(prometheus.CounterOpts{Namespace: "dbintel", Subsystem: sub, Name: "query_text_cache_evictions_total",
			Help: "Digest texts evicted from the bounded text cache (they are fetched again when needed)."}),
		infraDropped: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: "dbintel", Subsystem: sub, Name: "metric_series_refused",
			Help: "Counter series never emitted because the delta table was full."}),
		explains: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "dbintel", Subsystem: sub, Name: "explains_total",
			Help: "EXPLAIN decisions by outcome (ok, error, skipped_budget, skipped_error_cache, skipped_unchanged, rejected)."}, []string{"outcome"}),
	}
	if reg != nil {
		m.digestLost = scrape.RegisterOrGet(reg, m.digestLost)
		m.resets = scrape.RegisterOrGet(reg, m.resets)
		m.tracked = scrape.RegisterOrGet(reg, m.tracked)
		m.untracked = scrape.RegisterOrGet(reg, m.untracked)
		m.textEvicted = scrape.RegisterOrGet(reg, m.textEvicted)
		m.infraDropped = scrape.RegisterOrGet(reg, m.infraDropped)
		m.explains = scrape.RegisterOrGet(reg, m.explains)
	}
	return m
}
