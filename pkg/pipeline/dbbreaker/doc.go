// Package dbbreaker is the gateway's per-database circuit breaker: a
// bulkhead so that one noisy or broken source cannot exhaust the account's
// backend limits or the gateway's memory.
//
// Each source key (contract.SourceKey: one per database server, else per
// service.name) has a sony/gobreaker breaker, judged per
// interval on the key's query-level volume, its new per-query series, and
// the items the backend rejected permanently (reported by the forwarder
// through ExportFailed). Over any budget, the breaker opens.
//
// What it does per signal while a key is open:
//   - logs: query-level events (db.server.top_query, query_sample, blocking,
//     query_plan, plan_change) are dropped; other log records pass.
//   - metrics: per-query points (carrying a query id, contract.QueryID) are dropped;
//     infrastructure metrics pass.
//   - traces: untouched.
//
// After the open period (doubling on each consecutive trip, capped, reset
// once the key has stayed closed long enough) the breaker is half-open: data
// passes and is judged again; healthy_intervals healthy intervals in a row
// close it, one more violation re-opens it.
//
// Every state change adds one dbintel.breaker log record (attributes
// dbintel.breaker.key, .from, .to, .reason; .detail for export failures) to
// the batch passing through — or, for a change caused by ExportFailed, to
// the next batch — so users see it in the backend. Its scope is
// contract.ScopeGateway and its resource carries the source's entity
// attributes (contract.EntityAttrs), so New Relic attaches it to the
// source's entity.
package dbbreaker
