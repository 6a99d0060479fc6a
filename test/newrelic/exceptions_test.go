package newrelic

// exceptions are the widgets that PostgreSQL 15 and MariaDB 10.11 cannot
// populate in this test, keyed "dashboard id / page / widget title", with
// the reason. The test fails on any other unpopulated widget and on a
// listed widget that shows data, so the list stays honest.
var exceptions = map[string]string{
	"quickstart:postgresql-otel / Replication, WAL & Vector / postgresql.vector.search.calls":         reasonPgvector,
	"quickstart:postgresql-otel / Replication, WAL & Vector / postgresql.vector.search.duration":      reasonPgvector,
	"quickstart:postgresql-otel / Replication, WAL & Vector / postgresql.vector.search.rows_returned": reasonPgvector,
	"quickstart:postgresql-otel / Replication, WAL & Vector / postgresql.vector.insert.rows":          reasonPgvector,
	"quickstart:postgresql-otel / Replication, WAL & Vector / postgresql.vector.insert.duration":      reasonPgvector,

	"quickstart:mysql-otel / Server & Connections / X Plugin Connections":    reasonMysqlx,
	"quickstart:mysql-otel / Server & Connections / X Plugin Worker Threads": reasonMysqlx,
	"quickstart:mysql-otel / InnoDB Operations / Row Operations":             reasonInnodbRows,
	"entity:infra-mysqlnode / Core Metric Details / Row operations / sec":    reasonInnodbRows,

	"dbintel:dbintel / Plan changes / MySQL / MariaDB plan changes: cost before and after": reasonMySQLPlans,
}

const (
	reasonPgvector = "pgvector statistics: the test server has no pgvector extension, and dbintel does not collect postgresql.vector.* (nrpostgresqlreceiver does)"
	reasonMysqlx   = "MySQL X Plugin (Mysqlx_* status): MySQL 8 only, MariaDB has no X Protocol"
	// Checked on the test server: SHOW GLOBAL STATUS has no Innodb_rows_*
	// and INFORMATION_SCHEMA.INNODB_METRICS no dml_* rows.
	reasonMySQLPlans = "MySQL/MariaDB plans come from opt-in EXPLAIN (mysql.explain.enabled: false by default)"
	reasonInnodbRows = "InnoDB row counters (Innodb_rows_*): MySQL only, MariaDB 10.11 has neither the status variables nor the dml_* InnoDB metrics"
)
