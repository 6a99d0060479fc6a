package forward

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the forwarder's self-metrics. They balance:
// items_enqueued_total = items_sent_total + items_dropped_total + queue_items,
// where queue_items counts items waiting or in flight.
type metrics struct {
	enqueued    [3]prometheus.Counter
	recovered   [3]prometheus.Counter
	sent        [3]prometheus.Counter
	dropped     *prometheus.CounterVec
	requests    *prometheus.CounterVec
	items       prometheus.Gauge
	batches     prometheus.Gauge
	bytes       prometheus.Gauge
	duration    prometheus.Histogram
	retries     prometheus.Counter
	refused     prometheus.Counter
	breaker     prometheus.Gauge
	splits      prometheus.Counter
	quarantined prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	opts := func(name, help string) prometheus.CounterOpts {
		return prometheus.CounterOpts{Namespace: "dbintel", Subsystem: "forward", Name: name, Help: help}
	}
	gauge := func(name, help string) prometheus.Gauge {
		return prometheus.NewGauge(prometheus.GaugeOpts{Namespace: "dbintel", Subsystem: "forward", Name: name, Help: help})
	}
	enqueued := prometheus.NewCounterVec(opts("items_enqueued_total",
		"Items (points, records, spans) accepted into the queue, including those recovered from disk at start."), []string{"signal"})
	recovered := prometheus.NewCounterVec(opts("items_recovered_total",
		"Items found in the durable queue at start (also counted in items_enqueued_total)."), []string{"signal"})
	sent := prometheus.NewCounterVec(opts("items_sent_total", "Items the backend accepted."), []string{"signal"})
	m := &metrics{
		dropped: prometheus.NewCounterVec(opts("items_dropped_total",
			"Items given up, by reason (invalid, unauthorized, not_found, too_large, rejected, partial_success, expired, shutdown, drop_oldest, corrupt)."),
			[]string{"signal", "reason"}),
		requests: prometheus.NewCounterVec(opts("requests_total",
			"Export attempts by outcome (success, retryable, throttled, too_large, permanent)."), []string{"signal", "outcome"}),
		items:   gauge("queue_items", "Items waiting in the queue or in flight."),
		batches: gauge("queue_batches", "Batches waiting in the queue or in flight."),
		bytes:   gauge("queue_bytes", "Encoded bytes held by the queue."),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: "dbintel", Subsystem: "forward", Name: "export_duration_seconds",
			Help: "Duration of one export attempt.", Buckets: prometheus.ExponentialBuckets(0.005, 2, 14)}),
		retries: prometheus.NewCounter(opts("retries_total", "Attempts that will be retried after a backoff.")),
		refused: prometheus.NewCounter(opts("batches_refused_total", "Batches refused because the queue was full or shutting down.")),
		breaker: gauge("breaker_open", "1 while the backend breaker holds sending (backend failing or throttling), else 0."),
		splits:  prometheus.NewCounter(opts("splits_total", "Requests split in two because they were, or would be, too large for the backend.")),
		quarantined: prometheus.NewCounter(opts("queue_quarantined_bytes_total",
			"Bytes of corrupt or torn durable-queue data moved to the quarantine directory at start.")),
	}
	for i, s := range signalNames {
		m.enqueued[i] = enqueued.WithLabelValues(s)
		m.recovered[i] = recovered.WithLabelValues(s)
		m.sent[i] = sent.WithLabelValues(s)
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{enqueued, recovered, sent, m.dropped, m.requests, m.items, m.batches, m.bytes,
		m.duration, m.retries, m.refused, m.breaker, m.splits, m.quarantined} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("forward: register self-metrics: %w", err)
		}
	}
	return m, nil
}
