package mysql

import (
	"github.com/dbintel/dbintel/pkg/contract"
	"github.com/dbintel/dbintel/pkg/scrape"
)

// scopeName is the instrumentation scope of everything this package emits:
// New Relic's receiver, which every widget of its MySQL views filters on
// (the target marks the scope as dbintel's).
const scopeName = contract.ScopeMySQL

// Metric definitions. Names, units, attributes and temporality follow New
// Relic's nrmysqlreceiver (metadata.yaml, a superset of the Collector's
// mysqlreceiver) so New Relic's dashboards work: its monotonic sums are
// Counters (cumulative by default, scrape.Config.Temporality), its
// non-monotonic ones UpDownSums carrying the server's value. The few extras
// it lacks (replica thread state, sessions) use the same style and the
// mysql. prefix, which New Relic's entity rule keys metrics on.
func md(name, unit, desc string, kind scrape.Kind) scrape.MetricDef {
	return scrape.MetricDef{Name: name, Unit: unit, Description: desc, Kind: kind}
}

var (
	mBufPoolPages     = md("mysql.buffer_pool.pages", "1", "The number of pages in the InnoDB buffer pool.", scrape.UpDownSum)
	mBufPoolDataPages = md("mysql.buffer_pool.data_pages", "1", "The number of data pages in the InnoDB buffer pool.", scrape.UpDownSum)
	mBufPoolFlushes   = md("mysql.buffer_pool.page_flushes", "1", "The number of requests to flush pages from the InnoDB buffer pool.", scrape.Counter)
	mBufPoolOps       = md("mysql.buffer_pool.operations", "1", "The number of operations on the InnoDB buffer pool.", scrape.Counter)
	mBufPoolLimit     = md("mysql.buffer_pool.limit", "By", "The configured size of the InnoDB buffer pool.", scrape.UpDownSum)
	mBufPoolUsage     = md("mysql.buffer_pool.usage", "By", "The number of bytes in the InnoDB buffer pool.", scrape.UpDownSum)
	mPrepared         = md("mysql.prepared_statements", "1", "The number of times each type of prepared statement command has been issued.", scrape.Counter)
	mCommands         = md("mysql.commands", "1", "The number of times each type of command has been executed.", scrape.Counter)
	mHandlers         = md("mysql.handlers", "1", "The number of requests to various MySQL handlers.", scrape.Counter)
	mDoubleWrites     = md("mysql.double_writes", "1", "The number of writes to the InnoDB doublewrite buffer.", scrape.Counter)
	mLogOps           = md("mysql.log_operations", "1", "The number of InnoDB log operations.", scrape.Counter)
	mOperations       = md("mysql.operations", "1", "The number of InnoDB operations.", scrape.Counter)
	mPageOps          = md("mysql.page_operations", "1", "The number of InnoDB page operations.", scrape.Counter)
	mRowLocks         = md("mysql.row_locks", "1", "The number of InnoDB row locks.", scrape.Counter)
	mRowOps           = md("mysql.row_operations", "1", "The number of InnoDB row operations.", scrape.Counter)
	mLocks            = md("mysql.locks", "1", "The number of MySQL locks.", scrape.Counter)
	mSorts            = md("mysql.sorts", "1", "The number of MySQL sorts.", scrape.Counter)
	mThreads          = md("mysql.threads", "1", "The state of MySQL threads.", scrape.UpDownSum)
	mNetIO            = md("mysql.client.network.io", "By", "The number of transmitted bytes between server and clients.", scrape.Counter)
	mOpened           = md("mysql.opened_resources", "1", "The number of opened resources.", scrape.Counter)
	mUptime           = md("mysql.uptime", "s", "The number of seconds that the server has been up.", scrape.Counter)
	mConnCount        = md("mysql.connection.count", "1", "The number of connection attempts (successful or not) to the MySQL server.", scrape.Counter)
	mConnErrors       = md("mysql.connection.errors", "1", "Errors that occur during the client connection process.", scrape.Counter)
	mJoins            = md("mysql.joins", "1", "The number of joins that perform table scans.", scrape.Counter)
	mTmpResources     = md("mysql.tmp_resources", "1", "The number of created temporary resources.", scrape.Counter)
	mTableOpenCache   = md("mysql.table_open_cache", "1", "The number of hits, misses or overflows for open tables cache lookups.", scrape.Counter)
	mQueryCount       = md("mysql.query.count", "1", "The number of statements executed by the server.", scrape.Counter)
	mQueryClientCount = md("mysql.query.client.count", "1", "The number of statements executed by the server. This includes only statements sent to the server by clients.", scrape.Counter)
	mQuerySlowCount   = md("mysql.query.slow.count", "1", "The number of slow queries.", scrape.Counter)
	mReplicaBehind    = md("mysql.replica.time_behind_source", "s", "This field is an indication of how “late” the replica is.", scrape.UpDownSum)
	mReplicaSQLDelay  = md("mysql.replica.sql_delay", "s", "The number of seconds that the replica must lag the source.", scrape.UpDownSum)
	mReplicaIORun     = md("mysql.replica.io_thread.running", "1", "1 if the replica I/O thread is running, else 0.", scrape.Gauge)
	mReplicaSQLRun    = md("mysql.replica.sql_thread.running", "1", "1 if the replica SQL thread is running, else 0.", scrape.Gauge)
	mTableIOCount     = md("mysql.table.io.wait.count", "1", "The total count of I/O wait events for a table.", scrape.Counter)
	mTableIOTime      = md("mysql.table.io.wait.time", "ns", "The total time of I/O wait events for a table.", scrape.Counter)
	mIndexIOCount     = md("mysql.index.io.wait.count", "1", "The total count of I/O wait events for an index.", scrape.Counter)
	mIndexIOTime      = md("mysql.index.io.wait.time", "ns", "The total time of I/O wait events for an index.", scrape.Counter)
	mMaxUsedConn      = md("mysql.max_used_connections", "1", "Maximum number of connections used simultaneously since the server started.", scrape.UpDownSum)
	mPageSize         = md("mysql.page_size", "By", "InnoDB page size.", scrape.UpDownSum)
	mXConnections     = md("mysql.mysqlx_connections", "1", "The number of mysqlx connections.", scrape.Counter)
	mXWorkerThreads   = md("mysql.mysqlx_worker_threads", "1", "The number of worker threads available.", scrape.UpDownSum)
)

// statusCounter maps one SHOW GLOBAL STATUS counter to a Counter metric
// point with one attribute (key "" = none).
type statusCounter struct {
	variable string
	metric   scrape.MetricDef
	key, val string
}

// statusCounters lists every cumulative status counter the receiver maps.
var statusCounters = func() []statusCounter {
	var out []statusCounter
	add := func(m scrape.MetricDef, key string, pairs ...string) {
		for i := 0; i+1 < len(pairs); i += 2 {
			out = append(out, statusCounter{variable: pairs[i], metric: m, key: key, val: pairs[i+1]})
		}
	}
	add(mBufPoolFlushes, "", "Innodb_buffer_pool_pages_flushed", "")
	add(mBufPoolOps, "operation", "Innodb_buffer_pool_read_ahead_rnd", "read_ahead_rnd", "Innodb_buffer_pool_read_ahead", "read_ahead",
		"Innodb_buffer_pool_read_ahead_evicted", "read_ahead_evicted", "Innodb_buffer_pool_read_requests", "read_requests",
		"Innodb_buffer_pool_reads", "reads", "Innodb_buffer_pool_wait_free", "wait_free", "Innodb_buffer_pool_write_requests", "write_requests")
	add(mPrepared, "command", "Com_stmt_execute", "execute", "Com_stmt_close", "close", "Com_stmt_fetch", "fetch",
		"Com_stmt_prepare", "prepare", "Com_stmt_reset", "reset", "Com_stmt_send_long_data", "send_long_data")
	add(mCommands, "command", "Com_delete", "delete", "Com_delete_multi", "delete_multi", "Com_insert", "insert",
		"Com_select", "select", "Com_update", "update", "Com_update_multi", "update_multi")
	add(mHandlers, "kind", "Handler_commit", "commit", "Handler_delete", "delete", "Handler_discover", "discover",
		"Handler_external_lock", "external_lock", "Handler_mrr_init", "mrr_init", "Handler_prepare", "prepare",
		"Handler_read_first", "read_first", "Handler_read_key", "read_key", "Handler_read_last", "read_last",
		"Handler_read_next", "read_next", "Handler_read_prev", "read_prev", "Handler_read_rnd", "read_rnd",
		"Handler_read_rnd_next", "read_rnd_next", "Handler_rollback", "rollback", "Handler_savepoint", "savepoint",
		"Handler_savepoint_rollback", "savepoint_rollback", "Handler_update", "update", "Handler_write", "write")
	add(mDoubleWrites, "kind", "Innodb_dblwr_pages_written", "pages_written", "Innodb_dblwr_writes", "writes")
	add(mLogOps, "operation", "Innodb_log_waits", "waits", "Innodb_log_write_requests", "write_requests", "Innodb_log_writes", "writes",
		"Innodb_os_log_fsyncs", "fsyncs") // fsyncs: MySQL and MariaDB before 10.8
	add(mOperations, "operation", "Innodb_data_fsyncs", "fsyncs", "Innodb_data_reads", "reads", "Innodb_data_writes", "writes")
	add(mPageOps, "operation", "Innodb_pages_created", "created", "Innodb_pages_read", "read", "Innodb_pages_written", "written")
	add(mRowLocks, "kind", "Innodb_row_lock_waits", "waits", "Innodb_row_lock_time", "time")
	add(mRowOps, "operation", "Innodb_rows_deleted", "deleted", "Innodb_rows_inserted", "inserted", "Innodb_rows_read", "read", "Innodb_rows_updated", "updated")
	add(mLocks, "kind", "Table_locks_immediate", "immediate", "Table_locks_waited", "waited")
	add(mSorts, "kind", "Sort_merge_passes", "merge_passes", "Sort_range", "range", "Sort_rows", "rows", "Sort_scan", "scan")
	add(mNetIO, "kind", "Bytes_received", "received", "Bytes_sent", "sent")
	add(mOpened, "kind", "Opened_files", "file", "Opened_table_definitions", "table_definition", "Opened_tables", "table")
	add(mUptime, "", "Uptime", "")
	add(mConnCount, "", "Connections", "")
	add(mConnErrors, "error", "Connection_errors_accept", "accept", "Connection_errors_internal", "internal",
		"Connection_errors_max_connections", "max_connections", "Connection_errors_peer_address", "peer_address",
		"Connection_errors_select", "select", "Connection_errors_tcpwrap", "tcpwrap", "Aborted_connects", "aborted",
		"Aborted_clients", "aborted_clients", "Locked_connects", "locked")
	add(mJoins, "kind", "Select_full_join", "full", "Select_full_range_join", "full_range", "Select_range", "range",
		"Select_range_check", "range_check", "Select_scan", "scan")
	add(mTmpResources, "resource", "Created_tmp_disk_tables", "disk_tables", "Created_tmp_files", "files", "Created_tmp_tables", "tables")
	add(mTableOpenCache, "status", "Table_open_cache_hits", "hit", "Table_open_cache_misses", "miss", "Table_open_cache_overflows", "overflow")
	add(mQueryCount, "", "Queries", "")
	add(mQueryClientCount, "", "Questions", "")
	add(mQuerySlowCount, "", "Slow_queries", "")
	// X Plugin (MySQL as a document store); MariaDB has none.
	add(mXConnections, "status", "Mysqlx_connections_accepted", "accepted", "Mysqlx_connections_closed", "closed",
		"Mysqlx_connections_rejected", "rejected")
	return out
}()

// statusGauge maps one SHOW GLOBAL STATUS value to a non-monotonic point.
type statusGauge struct {
	variable string
	metric   scrape.MetricDef
	key, val string
}

var statusGauges = []statusGauge{
	{"Innodb_buffer_pool_pages_data", mBufPoolPages, "kind", "data"},
	{"Innodb_buffer_pool_pages_free", mBufPoolPages, "kind", "free"},
	{"Innodb_buffer_pool_pages_misc", mBufPoolPages, "kind", "misc"},
	{"Innodb_buffer_pool_pages_total", mBufPoolPages, "kind", "total"},
	{"Innodb_buffer_pool_pages_dirty", mBufPoolDataPages, "status", "dirty"},
	{"Innodb_buffer_pool_bytes_dirty", mBufPoolUsage, "status", "dirty"},
	{"Threads_cached", mThreads, "kind", "cached"},
	{"Threads_connected", mThreads, "kind", "connected"},
	{"Threads_created", mThreads, "kind", "created"},
	{"Threads_running", mThreads, "kind", "running"},
	{"Max_used_connections", mMaxUsedConn, "", ""},
	{"Innodb_page_size", mPageSize, "", ""},
	{"Mysqlx_worker_threads", mXWorkerThreads, "kind", "available"},
	{"Mysqlx_worker_threads_active", mXWorkerThreads, "kind", "active"},
}
