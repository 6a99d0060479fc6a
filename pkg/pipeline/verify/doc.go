// Package verify is the verification stage of the gateway: it removes
// personal data and secrets from every signal and makes the data fit New
// Relic's limits, before anything is forwarded.
//
// What it does to each signal:
//
//   - Every string value: resource, scope and item attributes (nested maps
//     and arrays included), log bodies (string and map), span names, status
//     messages, span event names and attributes (exception.message), link
//     attributes. Each is pre-scanned once (digits, '@', '=', upper case...)
//     and only the recognisers that can match run: payment cards (Luhn,
//     issuer prefix and length), US SSNs (SSA ranges), email, phone (E.164
//     and NANP shapes, context for bare numbers), IBAN (country length,
//     mod-97), IP addresses (net/netip; off by default) and secrets
//     (password=/pwd=, URL credentials, Bearer tokens, AWS key ids, PEM
//     private keys). A value is replaced by [REDACTED:<type>] or
//     [HASHED:<type>:<16 hex of HMAC-SHA256>], or its whole item is dropped,
//     per type. Keys in pii.allow_keys (db.query.id, trace ids) are not
//     scanned.
//   - SQL: values under sql.attributes (db.query.text, db.statement) have
//     their literals replaced by '?' before the PII scan, in the dialect
//     named by db.system(.name), with the scraper's own obfuscator
//     configuration (pkg/sqlmask). db.server.query_plan records get the same
//     masking in every field the scraper masks (sqlmask.IsExprKey: Filter,
//     Index Cond, Hash Key, Grouping Sets, Query Text, Query Parameters,
//     MySQL *_condition, ...), so a plan the scraper masked passes
//     unchanged; node types, relations, indexes, costs and rows are kept.
//   - Server logs (logtext.go): PostgreSQL and MySQL/MariaDB log text in any
//     string (bodies, span status, exception.message) is masked by its
//     structure: STATEMENT:/QUERY:/"LOG:  statement:"/execute texts and
//     auto_explain plans are SQL-masked; Key (…)=(…), Failing row contains
//     (…), parameters: $1 = …, COPY and JSON input lines, Duplicate entry
//     '…', rejected values, replicated queries and deadlock reports lose
//     their values. In a jsonlog/csvlog record (a map with error_severity)
//     the statement, query and internal_query fields are SQL.
//   - Nesting: maps and arrays nested deeper than sqlmask.MaxDepth drop
//     their item (fix reason too_deep) instead of being walked.
//   - Metrics: points with NaN/±Inf values (or sums, min, max, quantiles)
//     and negative deltas of monotonic sums are dropped; a point keeps at
//     most quality.max_point_attrs attributes (the first by key order).
//   - Logs: at most quality.max_log_attrs attributes; a record outside the
//     time window gets the current time (log_time_fix: now) or is dropped.
//   - All items: outside the window (past_window back, future_window ahead)
//     points and spans are dropped; attribute names and string values are
//     cut to max_name_len/max_value_len bytes on a UTF-8 boundary (log
//     bodies are not cut: plans are long); arrays are cut to max_array_len.
//
// Items are removed, never added: findings are counted in
// dbintel_verify_pii_found_total{type,action} and fixes in
// dbintel_verify_fixes_total{reason}; no value is ever logged. Verifying
// twice gives the same output: markers of an earlier pass are never read
// as data, and SQL masking and redaction run to a fixed point.
package verify
