package scrape

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the engine's self-metrics. Label values are collector names,
// which the code defines (bounded), prefixed by the database system.
type metrics struct {
	enabled  *prometheus.GaugeVec
	duration *prometheus.HistogramVec
	errors   *prometheus.CounterVec
	skipped  *prometheus.CounterVec
	breaker  *prometheus.GaugeVec
	consume  *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		enabled: prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: "dbintel", Subsystem: "scrape", Name: "collector_enabled",
			Help: "1 if the collector runs, 0 if it is switched off for a missing extension or privilege."}, []string{"collector"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: "dbintel", Subsystem: "scrape", Name: "duration_seconds",
			Help: "Time of one collector run.", Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}}, []string{"collector"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "dbintel", Subsystem: "scrape", Name: "errors_total",
			Help: "Collector runs that failed."}, []string{"collector"}),
		skipped: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "dbintel", Subsystem: "scrape", Name: "skipped_total",
			Help: "Collector runs skipped, by reason (breaker_open, disabled)."}, []string{"collector", "reason"}),
		breaker: prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: "dbintel", Subsystem: "scrape", Name: "breaker_state",
			Help: "Circuit breaker state per collector: 0 closed, 1 half-open, 2 open."}, []string{"collector"}),
		consume: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "dbintel", Subsystem: "scrape", Name: "consume_errors_total",
			Help: "Batches the next consumer refused (the data of that run is lost)."}, []string{"collector"}),
	}
	if reg != nil {
		m.enabled = RegisterOrGet(reg, m.enabled)
		m.duration = RegisterOrGet(reg, m.duration)
		m.errors = RegisterOrGet(reg, m.errors)
		m.skipped = RegisterOrGet(reg, m.skipped)
		m.breaker = RegisterOrGet(reg, m.breaker)
		m.consume = RegisterOrGet(reg, m.consume)
	}
	return m
}

// RegisterOrGet adds c to reg, or returns the one already there (reg may
// not be nil): every target's
// scheduler shares one set of vectors, told apart by collector name.
func RegisterOrGet[C prometheus.Collector](reg prometheus.Registerer, c C) C {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing
			}
		}
	}
	return c
}
