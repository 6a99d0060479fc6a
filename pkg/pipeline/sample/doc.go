// Package sample is the gateway's adaptive sampler.
//
// It decides per item — metric data point, log record, span — whether to keep
// it, and removes the rest in place:
//
//   - Items covered by always_keep (slow queries, errors, blocking, plan
//     changes) are kept.
//   - Otherwise the first rule whose conditions all hold applies its dedup,
//     sample_rate and max_per_minute. Rules can match any signal; a condition
//     on an absent field never matches.
//   - Query-level events (db.server.* log records) that no rule matched go
//     through the default dedup, which drops exact duplicates within its
//     window.
//   - Every query-level item that is still kept counts against its
//     source's budget (items per minute; one source per database server,
//     contract.SourceKey): the source's keep-rate follows the smoothed
//     observed volume, between min_rate and max_rate.
//   - Everything else — infrastructure metrics, application logs, spans —
//     passes untouched unless a rule matches it.
//
// Keep/drop decisions come from a fixed hash of the configured key (by
// default the statement id, contract.QueryID: postgresql.queryid,
// postgresql.query_id or the MySQL digest; else the trace id, else the
// record's content), so several gateway replicas, or one restarted, decide
// the same for the same key, and a statement's top_query and query_sample
// events alike. Slow queries are judged by the mean time per call from the
// receivers' totals (contract.MeanExecSeconds).
package sample
