package otlpserver

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// Label values. Every label this package sets comes from these constants, a
// gRPC code name, an HTTP status number or a sanitized refusal reason, so
// series stay bounded.
const (
	transportGRPC = "grpc"
	transportHTTP = "http"

	signalMetrics = "metrics"
	signalLogs    = "logs"
	signalTraces  = "traces"
	signalUnknown = "unknown"
)

type metrics struct {
	received *prometheus.CounterVec
	accepted *prometheus.CounterVec
	refused  *prometheus.CounterVec
	requests *prometheus.CounterVec
	panics   *prometheus.CounterVec
	// early counts requests refused before their body was read or decoded
	// in full, by reason (memory, budget, busy, slow_body).
	early *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer, b *budget) (*metrics, error) {
	opts := func(name, help string) prometheus.CounterOpts {
		return prometheus.CounterOpts{Namespace: "dbintel", Subsystem: "receiver", Name: name, Help: help}
	}
	m := &metrics{
		received: prometheus.NewCounterVec(opts("items_received_total",
			"Items (data points, log records, spans) in decoded requests. received = accepted + refused."), []string{"transport", "signal"}),
		accepted: prometheus.NewCounterVec(opts("items_accepted_total",
			"Items the pipeline took responsibility for (the sender got a success answer)."), []string{"transport", "signal"}),
		refused: prometheus.NewCounterVec(opts("items_refused_total",
			"Items of decoded requests answered with an error, by reason; the sender keeps retryable ones."), []string{"transport", "signal", "reason"}),
		requests: prometheus.NewCounterVec(opts("requests_total",
			"Requests by answer code (gRPC code name or HTTP status), including those refused before decoding."), []string{"transport", "signal", "code"}),
		panics: prometheus.NewCounterVec(opts("panics_total",
			"Requests whose processing panicked; answered INTERNAL / 500 and counted refused (reason panic)."), []string{"transport", "signal"}),
		early: prometheus.NewCounterVec(opts("requests_refused_early_total",
			"Requests refused retryably before their body was read in full: memory (limiter above its soft limit), budget (max_in_flight_bytes), busy (concurrency caps), or cut as too slow (slow_body)."),
			[]string{"transport", "reason"}),
	}
	inFlight := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: "dbintel", Subsystem: "receiver", Name: "in_flight_bytes",
		Help: "Bytes of request bodies in flight (decompressed, both transports), bounded by max_in_flight_bytes."}, func() float64 { return float64(b.inUse()) })
	peak := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: "dbintel", Subsystem: "receiver", Name: "in_flight_bytes_peak",
		Help: "Highest in_flight_bytes since start."}, func() float64 { return float64(b.peakUse()) })
	if reg != nil {
		for _, c := range []prometheus.Collector{m.received, m.accepted, m.refused, m.requests, m.panics, m.early, inFlight, peak} {
			if err := reg.Register(c); err != nil {
				return nil, fmt.Errorf("register self-metrics (one receiver per registry): %w", err)
			}
		}
	}
	return m, nil
}
