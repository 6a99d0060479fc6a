package plans

import "github.com/prometheus/client_golang/prometheus"

// Error reasons, both as db.query.plan.error values and metric labels.
const (
	reasonTooLarge = "too_large"
	reasonParse    = "parse"
)

type metrics struct {
	parsed    map[string]prometheus.Counter // by system
	errors    map[string]prometheus.Counter // by reason
	changes   prometheus.Counter
	evictions prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	parsed := prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "dbintel", Subsystem: "plans", Name: "parsed_total",
		Help: "Query plans parsed, by database system (postgresql, mysql — MariaDB counts as mysql)."}, []string{"system"})
	errs := prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "dbintel", Subsystem: "plans", Name: "errors_total",
		Help: "Plans left unparsed and passed through with db.query.plan.error, by reason (too_large, parse)."}, []string{"reason"})
	changes := prometheus.NewCounter(prometheus.CounterOpts{Namespace: "dbintel", Subsystem: "plans", Name: "changes_total",
		Help: "db.server.plan_change events emitted: a query's plan hash differed from the one last seen."})
	evictions := prometheus.NewCounter(prometheus.CounterOpts{Namespace: "dbintel", Subsystem: "plans", Name: "cache_evictions_total",
		Help: "Queries forgotten by the plan-change cache (change_cache_size reached); their next plan cannot be reported as a change."})
	if reg != nil {
		for _, c := range []prometheus.Collector{parsed, errs, changes, evictions} {
			if err := reg.Register(c); err != nil {
				return nil, err
			}
		}
	}
	m := &metrics{parsed: map[string]prometheus.Counter{}, errors: map[string]prometheus.Counter{}, changes: changes, evictions: evictions}
	for _, s := range []string{systemPostgreSQL, systemMySQL} {
		m.parsed[s] = parsed.WithLabelValues(s)
	}
	for _, r := range []string{reasonTooLarge, reasonParse} {
		m.errors[r] = errs.WithLabelValues(r)
	}
	return m, nil
}
