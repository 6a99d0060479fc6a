// Package cardinality is the gateway's cardinality protection: per metric
// name, at most max_series_per_metric distinct attribute sets (resource and
// point attributes together) per window. Points of further sets fold into
// one overflow series per metric and resource, whose only point attribute is
// otel.metric.overflow=true, and a counter says how many points folded.
//
// Within a batch the folded points merge into one overflow point: sums add
// (totals preserved), gauges keep the latest value, histograms add counts,
// sums and buckets (buckets only when the layouts match), summaries add
// count and sum and drop quantiles. Across batches each batch carries its
// own overflow point of the same series, so delta sums still add up at the
// backend.
//
// Logs and traces pass untouched. Memory is bounded by max_metrics and
// max_tracked_series, with least-recently-seen eviction.
package cardinality
