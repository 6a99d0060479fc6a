// Package plans is the plan extractor stage of the gateway. It touches only
// logs: metrics and traces pass through unchanged.
//
// Input: log records carrying a plan in the attribute New Relic's receivers
// use (postgresql.query_plan, mysql.query_plan: contract.Plan; on any event,
// as nrpostgresqlreceiver puts it on db.server.top_query), records that are
// db.server.query_plan events (LogRecord EventName, or the event.name
// attribute), and any other log whose body is a JSON query plan:
//   - PostgreSQL EXPLAIN (FORMAT JSON), with or without ANALYZE and BUFFERS,
//     as the bare array EXPLAIN prints, the object auto_explain writes, the
//     auto_explain text wrapper ("duration: 1.2 ms  plan:\n{...}", after any
//     stderr log line prefix), or a whole jsonlog line whose "message" holds it;
//   - MySQL 8 and MariaDB EXPLAIN FORMAT=JSON ({"query_block": ...}, bare or
//     in an array as nrmysqlreceiver sends it), and MariaDB ANALYZE FORMAT=JSON. Duplicate keys, which MariaDB writes, are
//     read in order rather than collapsed.
//
// The plan is read from the receivers' plan attribute, else from the
// attribute named by body_attribute, else from the body. A structured (map
// or array) body is read only on declared plan events, and only when it
// nests no deeper than max_depth (checked without recursion).
//
// Attribute names are pkg/contract's (plans.go). mysql.query_plan.hash is
// left alone: New Relic's MySQL receiver puts the statement digest there to
// join a plan to its top_query event; the structural hash is
// db.query.plan.hash.
//
// Attributes added to each plan record:
//
//	db.query.plan.hash                 16 hex digits, 64-bit FNV-1a over the plan's shape
//	db.query.plan.system               "postgresql" or "mysql" (MySQL and MariaDB)
//	db.query.plan.total_cost           root cost (PostgreSQL Total Cost, MySQL query_cost); absent on MariaDB 10
//	db.query.plan.rows                 estimated result rows (PostgreSQL root Plan Rows; MySQL last
//	                                   rows_produced_per_join of the top block; MariaDB product of rows x filtered)
//	db.query.plan.node_count, .depth   plan steps and their nesting depth (root = 1)
//	db.query.plan.node_types           sorted, deduplicated: PostgreSQL "Node Type"; MySQL step keys
//	                                   (query_block, nested_loop, ordering_operation, filesort...) and
//	                                   "table:<access_type>" for table accesses
//	db.query.plan.has_seq_scan         a Seq Scan (PostgreSQL) or access_type ALL (MySQL) exists
//	db.query.plan.seq_scan_relations   their relations (PostgreSQL relation name; MySQL table_name, which is the alias)
//	db.query.plan.has_nested_loop      a Nested Loop (PostgreSQL) or nested_loop / block-nl-join (MySQL)
//
// Only on executed plans (EXPLAIN ANALYZE, auto_explain with log_analyze,
// MariaDB ANALYZE), because only they know:
//
//	db.query.plan.has_sort_spill       a sort went to disk ("Sort Method": "external ...", "Sort Space Type": "Disk")
//	db.query.plan.actual_total_time_s  root Actual Total Time (MariaDB: r_total_time_ms), in seconds
//	db.query.plan.actual_rows          root Actual Rows (PostgreSQL)
//	db.query.plan.max_row_estimate_error  worst planned-vs-actual rows factor over executed nodes (>= 1)
//	db.query.plan.shared_hit_blocks, .shared_read_blocks, .temp_blocks (read + written)  with BUFFERS
//
// The hash covers node types, join types, strategies, relation, alias and
// index names, parent relationships and the tree's order and shape. It
// leaves out costs, row estimates, timings, buffers and every expression
// (filters, conditions, sort keys), because those carry literals; so the
// same plan shape hashes the same at any data volume, and an index scan
// turning into a seq scan or a swapped join order changes it.
//
// Plan changes: the last hash per query — source (contract.SourceKey),
// db.namespace (record, else resource) and statement id (contract.QueryID) —
// is kept, under a 64-bit hash of the three, in an LRU of change_cache_size
// entries. When it differs, a db.server.plan_change event is appended to
// the same ResourceLogs (so it carries the source's resource and New Relic
// attaches it to the same entity), in the scope contract.ScopeGateway, with
// the record's query id attribute (postgresql.queryid, ...), db.namespace,
// db.query.plan.previous_hash, db.query.plan.hash (the new one: same name
// as on the plan record, so the two join), db.query.plan.previous_total_cost
// and db.query.plan.total_cost. This is the only record the stage adds.
//
// Safety: a plan above max_plan_bytes or nested deeper than max_depth is not
// parsed and gets db.query.plan.error=too_large; one that cannot be parsed
// gets db.query.plan.error=parse. Every record passes through.
//
// Self-metrics: dbintel_plans_parsed_total{system},
// dbintel_plans_errors_total{reason}, dbintel_plans_changes_total,
// dbintel_plans_cache_evictions_total.
package plans
