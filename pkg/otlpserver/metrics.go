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
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
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
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.received, m.accepted, m.refused, m.requests} {
			if err := reg.Register(c); err != nil {
				return nil, fmt.Errorf("register self-metrics (one receiver per registry): %w", err)
			}
		}
	}
	return m, nil
}
