package contract

// Attributes of MySQL/MariaDB query-level events, as nrmysqlreceiver sends
// them (metadata.yaml, documentation.md, testdata/scraper/expectedTopQueries*.yaml,
// expectedQuerySamples.yaml). Times are in seconds (doubles), counts are
// the interval's deltas on db.server.top_query.
const (
	// db.server.top_query: events_statements_summary_by_digest columns.
	MySQLDigest          = "mysql.events_statements_summary_by_digest.digest"
	MySQLCountStar       = "mysql.events_statements_summary_by_digest.count_star"
	MySQLSumTimerWait    = "mysql.events_statements_summary_by_digest.sum_timer_wait" // s
	MySQLSumRowsExamined = "mysql.events_statements_summary_by_digest.sum_rows_examined"
	MySQLSumRowsSent     = "mysql.events_statements_summary_by_digest.sum_rows_sent"

	// db.server.query_plan (and the plan's hash on the events it explains).
	MySQLQueryPlan       = "mysql.query_plan"
	MySQLQueryPlanHash   = "mysql.query_plan.hash" // the digest, by the receiver's design
	MySQLQueryPlanSource = "mysql.query_plan.source"

	// db.server.query_sample.
	MySQLThreadID           = "mysql.threads.thread_id" // performance_schema THREAD_ID
	MySQLSessionID          = "mysql.session.id"        // PROCESSLIST_ID (CONNECTION_ID())
	MySQLCommand            = "mysql.threads.processlist_command"
	MySQLState              = "mysql.threads.processlist_state"
	MySQLCurrentDigest      = "mysql.events_statements_current.digest"
	MySQLEventID            = "mysql.event_id"
	MySQLWaitType           = "mysql.wait_type"                            // raw instrument name, or CPU / other
	MySQLWaitEventType      = "mysql.wait_event_type"                      // io | lock | synch | CPU | other
	MySQLWaitEvent          = "mysql.wait_event"                           // instrument without its class
	MySQLSessionStatus      = "mysql.session.status"                       // waiting | running | other
	MySQLStatementTimerWait = "mysql.events_statements_current.timer_wait" // s
	MySQLStatementStart     = "mysql.events_statements_current.timer_start"
	MySQLWaitTimerWait      = "mysql.events_waits_current.timer_wait" // s
	MySQLBlockers           = "mysql.blocking.blockers"               // JSON [{"thread_id":..,"session_id":..}]
	MySQLBlockerCount       = "mysql.blocking.blocker.count"
	MySQLClientAddress      = "client.address"
	MySQLClientPort         = "client.port"
)

// Values of MySQLSessionStatus and the non-wait values of
// MySQLWaitEventType / MySQLWaitType, as the receiver reports them.
const (
	MySQLStatusWaiting = "waiting"
	MySQLStatusRunning = "running"
	MySQLStatusOther   = "other"
	MySQLWaitCPU       = "CPU"
)

// MySQLPlanSourceSample is the MySQLQueryPlanSource of a plan explained
// from a sampled session (the receiver names the event the plan came from).
const MySQLPlanSourceSample = EventQuerySample

// dbintel's own MySQL/MariaDB attributes, where New Relic has no name for
// the same thing (extra digest columns follow the receiver's naming of the
// table's columns; the rest are dbintel.*). The names both systems share
// (AttrOperationName, AttrSampleCount, AttrBlocking*) are in events.go.
const (
	MySQLSumLockTime        = "mysql.events_statements_summary_by_digest.sum_lock_time" // s
	MySQLSumErrors          = "mysql.events_statements_summary_by_digest.sum_errors"
	MySQLSumWarnings        = "mysql.events_statements_summary_by_digest.sum_warnings"
	MySQLSumRowsAffected    = "mysql.events_statements_summary_by_digest.sum_rows_affected"
	MySQLSumTmpDiskTables   = "mysql.events_statements_summary_by_digest.sum_created_tmp_disk_tables"
	MySQLSumTmpTables       = "mysql.events_statements_summary_by_digest.sum_created_tmp_tables"
	MySQLSumSelectFullJoin  = "mysql.events_statements_summary_by_digest.sum_select_full_join"
	MySQLSumSelectScan      = "mysql.events_statements_summary_by_digest.sum_select_scan"
	MySQLSumSortMergePasses = "mysql.events_statements_summary_by_digest.sum_sort_merge_passes"
	MySQLSumSortRows        = "mysql.events_statements_summary_by_digest.sum_sort_rows"
	MySQLSumNoIndexUsed     = "mysql.events_statements_summary_by_digest.sum_no_index_used"
	MySQLSumNoGoodIndexUsed = "mysql.events_statements_summary_by_digest.sum_no_good_index_used"
	MySQLBlockingRoot       = "dbintel.blocking.root_session_id"
	MySQLBlockingLockMode   = "dbintel.blocking.lock.mode"
	MySQLBlockingLockType   = "dbintel.blocking.lock.type"
	MySQLBlockingLockRel    = "dbintel.blocking.lock.relation"
	MySQLBlockingWait       = "dbintel.blocking.wait_duration" // s

	// Keys of a db.server.blocking body: its session list and a session's
	// depth in the chain (0 = root).
	MySQLBlockingSessions = "sessions"
	MySQLBlockingDepth    = "depth"
)
