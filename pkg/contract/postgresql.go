package contract

// Attributes of PostgreSQL query-level events, as nrpostgresqlreceiver sends
// them (testdata/scraper/top-query and query-sample expected outputs).
// Times are in milliseconds, as pg_stat_statements reports them.
const (
	PGQueryID       = "postgresql.queryid"  // db.server.top_query
	PGSampleQueryID = "postgresql.query_id" // db.server.query_sample
	PGQueryPlan     = "postgresql.query_plan"
	PGRoleName      = "postgresql.rolname"
	PGCalls         = "postgresql.calls"
	PGTotalExecTime = "postgresql.total_exec_time" // ms
)
