package contract

// Attributes of MySQL/MariaDB query-level events, as nrmysqlreceiver sends
// them (testdata/scraper/expectedTopQueries*.yaml, expectedQuerySamples.yaml).
const (
	MySQLDigest          = "mysql.events_statements_summary_by_digest.digest"
	MySQLQueryPlan       = "mysql.query_plan"
	MySQLQueryPlanHash   = "mysql.query_plan.hash"
	MySQLQueryPlanSource = "mysql.query_plan.source"
)
