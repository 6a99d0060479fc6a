package contract

// Resource attributes of per-database, per-table and per-index PostgreSQL
// metrics, the Collector receivers' resource layout that New Relic's entity
// dashboard facets on. The points also carry db.namespace (the database,
// or "database|schema" for tables and indexes) and db.collection.name,
// which its quickstart dashboard facets on.
const (
	PGResDatabase = "postgresql.database.name"
	PGResTable    = "postgresql.table.name" // schema.table
	PGResIndex    = "postgresql.index.name" // also a point attribute of index metrics
)

// Attributes of PostgreSQL query-level events, as nrpostgresqlreceiver sends
// them (metadata.yaml events; testdata/scraper/top-query and query-sample
// expected outputs). Times are in milliseconds, as pg_stat_statements and
// the receiver report them; counters are the statement's deltas over the
// interval.
const (
	// db.server.top_query
	PGQueryID           = "postgresql.queryid"
	PGRoleName          = "postgresql.rolname"
	PGCalls             = "postgresql.calls"
	PGTotalExecTime     = "postgresql.total_exec_time" // ms; in a sample: the running query's duration so far
	PGTotalPlanTime     = "postgresql.total_plan_time" // ms
	PGRows              = "postgresql.rows"
	PGSharedBlksHit     = "postgresql.shared_blks_hit"
	PGSharedBlksRead    = "postgresql.shared_blks_read"
	PGSharedBlksDirtied = "postgresql.shared_blks_dirtied"
	PGSharedBlksWritten = "postgresql.shared_blks_written"
	PGTempBlksRead      = "postgresql.temp_blks_read"
	PGTempBlksWritten   = "postgresql.temp_blks_written"

	// db.server.query_sample
	PGSampleQueryID      = "postgresql.query_id"
	PGPID                = "postgresql.pid"
	PGState              = "postgresql.state"
	PGWaitEvent          = "postgresql.wait_event"
	PGWaitEventType      = "postgresql.wait_event_type"
	PGQueryStart         = "postgresql.query_start"
	PGApplicationName    = "postgresql.application_name"
	PGClientHostname     = "postgresql.client_hostname"
	PGBackendStart       = "postgresql.backend.connection.start"
	PGSessionDuration    = "postgresql.session.duration" // s
	PGBlockingPIDs       = "postgresql.blocking.pids"    // PostgreSQL array text, "{}" when not blocked
	PGBlockingStartTime  = "postgresql.blocking.start_time"
	PGBlockingWait       = "postgresql.blocking.wait_duration" // whole seconds
	PGBlockingLockMode   = "postgresql.blocking.lock.mode"
	PGBlockingLockType   = "postgresql.blocking.lock.type"
	PGBlockingRelation   = "postgresql.blocking.lock.relation"
	PGBlockingXactStart  = "postgresql.blocking.transaction.start_time"
	PGQueryCommentTags   = "db.query.comment_tags"
	PGCommentServiceGUID = "db.query.comment_tags.nr_service_guid"

	// db.server.query_plan: the masked plan JSON (the body stays empty).
	PGQueryPlan = "postgresql.query_plan"
)

// dbintel's own PostgreSQL attributes, for what New Relic has no name for.
const (
	PGToplevel       = "dbintel.postgresql.toplevel" // pg_stat_statements.toplevel
	PGLocalBlksHit   = "dbintel.postgresql.local_blks_hit"
	PGLocalBlksRead  = "dbintel.postgresql.local_blks_read"
	PGWALBytes       = "dbintel.postgresql.wal_bytes"
	PGBackendType    = "dbintel.postgresql.backend_type"
	PGXactDuration   = "dbintel.transaction.duration" // s
	PGPlanSource     = "dbintel.query_plan.source"    // auto_explain | explain
	PGPlanDurationMS = "dbintel.query_plan.duration"  // ms of the logged execution (auto_explain)

	// db.server.blocking
	PGBlockingRootPID  = "dbintel.blocking.root_pid"
	PGBlockingSessions = "dbintel.blocking.sessions" // JSON array of the chain's sessions, root first
	PGBlockingOmitted  = "dbintel.blocking.sessions_omitted"
)
