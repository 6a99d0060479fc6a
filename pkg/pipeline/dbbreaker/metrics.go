package dbbreaker

import "github.com/prometheus/client_golang/prometheus"

// metrics are the breaker's self-metrics. The key label is bounded by
// max_keys: an evicted key's series is deleted. from/to/reason take a few
// fixed values.
type metrics struct {
	state         *prometheus.GaugeVec
	transitions   *prometheus.CounterVec
	keysEvicted   prometheus.Counter
	shed          prometheus.Counter
	events        prometheus.Counter
	eventsDropped prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		state: prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: "dbintel", Subsystem: "breaker", Name: "state",
			Help: "Breaker state per source key: 0 closed, 1 half-open, 2 open."}, []string{"key"}),
		transitions: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "dbintel", Subsystem: "breaker", Name: "transitions_total",
			Help: "Breaker state changes, by reason: volume, cardinality, export_failure (trips), timeout (to half-open), healthy (to closed)."}, []string{"from", "to", "reason"}),
		keysEvicted: prometheus.NewCounter(prometheus.CounterOpts{Namespace: "dbintel", Subsystem: "breaker", Name: "keys_evicted_total",
			Help: "Source keys whose breaker was evicted (max_keys reached)."}),
		shed: prometheus.NewCounter(prometheus.CounterOpts{Namespace: "dbintel", Subsystem: "breaker", Name: "items_shed_total",
			Help: "Query-level items dropped because their source's breaker was open."}),
		events: prometheus.NewCounter(prometheus.CounterOpts{Namespace: "dbintel", Subsystem: "breaker", Name: "events_emitted_total",
			Help: "dbintel.breaker log records added to the data stream (the stage's out count includes them)."}),
		eventsDropped: prometheus.NewCounter(prometheus.CounterOpts{Namespace: "dbintel", Subsystem: "breaker", Name: "events_dropped_total",
			Help: "dbintel.breaker records dropped because max_pending_events were waiting for a batch."}),
	}
	if reg != nil {
		reg.MustRegister(m.state, m.transitions, m.keysEvicted, m.shed, m.events, m.eventsDropped)
	}
	return m
}
