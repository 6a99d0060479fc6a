package postgres

import (
	"github.com/dbintel/dbintel/pkg/contract"
	"github.com/dbintel/dbintel/pkg/scrape"
)

// scopeName is the instrumentation scope of everything this package emits.
const scopeName = contract.ScopePostgreSQL

// def is a metric plus whether it is on without configuration. Names, units
// and attributes follow the OpenTelemetry Collector's postgresqlreceiver
// and New Relic's nrpostgresqlreceiver (metadata.yaml) so New Relic's views
// work; the extras they lack use the same style. Counters go out in the
// configured temporality (scrape.temporality). Every metric a New Relic
// view reads is in the default set.
type def struct {
	scrape.MetricDef
	on       bool   // in the default set
	receiver bool   // also in postgresqlreceiver
	source   string // the view it comes from (docs/postgres-metrics.md)
}

// allDefs lists every metric, for the enable/disable config and the docs.
var allDefs []*def

func m(name, unit, desc string, kind scrape.Kind, on, receiver bool) *def {
	d := &def{MetricDef: scrape.MetricDef{Name: name, Unit: unit, Description: desc, Kind: kind}, on: on, receiver: receiver}
	allDefs = append(allDefs, d)
	return d
}

func (d *def) from(source string) *def { d.source = source; return d }

// Flags of m: every metric is on by default (New Relic's views read the
// receivers' ones; dbintel's extras are cheap); rcv marks the receivers'.
const (
	on         = true
	rcv, extra = true, false
)

// Server- and database-level metrics (infra collector).
var (
	mBackends       = m("postgresql.backends", "1", "The number of backends.", scrape.UpDownSum, on, rcv).from("pg_stat_database")
	mCommits        = m("postgresql.commits", "1", "The number of commits.", scrape.Counter, on, rcv).from("pg_stat_database")
	mRollbacks      = m("postgresql.rollbacks", "1", "The number of rollbacks.", scrape.Counter, on, rcv).from("pg_stat_database")
	mDBSize         = m("postgresql.db_size", "By", "The database disk usage.", scrape.UpDownSum, on, rcv).from("pg_database_size()")
	mConnMax        = m("postgresql.connection.max", "{connections}", "Configured maximum number of client connections allowed.", scrape.Gauge, on, rcv).from("max_connections")
	mDBCount        = m("postgresql.database.count", "{databases}", "Number of user databases.", scrape.UpDownSum, on, rcv).from("pg_database")
	mBlksHit        = m("postgresql.blks_hit", "{blks_hit}", "Number of times disk blocks were found already in the buffer cache.", scrape.Counter, on, rcv).from("pg_stat_database")
	mBlksRead       = m("postgresql.blks_read", "{blks_read}", "Number of disk blocks read in this database.", scrape.Counter, on, rcv).from("pg_stat_database")
	mTupReturned    = m("postgresql.tup_returned", "{tup_returned}", "Number of rows returned by queries in the database.", scrape.Counter, on, rcv).from("pg_stat_database")
	mTupFetched     = m("postgresql.tup_fetched", "{tup_fetched}", "Number of rows fetched by queries in the database.", scrape.Counter, on, rcv).from("pg_stat_database")
	mTupInserted    = m("postgresql.tup_inserted", "{tup_inserted}", "Number of rows inserted by queries in the database.", scrape.Counter, on, rcv).from("pg_stat_database")
	mTupUpdated     = m("postgresql.tup_updated", "{tup_updated}", "Number of rows updated by queries in the database.", scrape.Counter, on, rcv).from("pg_stat_database")
	mTupDeleted     = m("postgresql.tup_deleted", "{tup_deleted}", "Number of rows deleted by queries in the database.", scrape.Counter, on, rcv).from("pg_stat_database")
	mDeadlocks      = m("postgresql.deadlocks", "{deadlock}", "The number of deadlocks.", scrape.Counter, on, rcv).from("pg_stat_database")
	mTempFiles      = m("postgresql.temp_files", "{temp_file}", "The number of temp files.", scrape.Counter, on, rcv).from("pg_stat_database")
	mTempIO         = m("postgresql.temp.io", "By", "Total amount of data written to temporary files by queries.", scrape.Counter, on, rcv).from("pg_stat_database")
	mConflicts      = m("postgresql.query.conflicts", "{query}", "Queries canceled due to conflicts with recovery (standbys only).", scrape.Counter, on, rcv).from("pg_stat_database_conflicts")
	mXIDAge         = m("postgresql.database.xid_age", "{transaction}", "Age of the database's oldest unfrozen transaction ID (wraparound at about 2^31).", scrape.Gauge, on, extra).from("pg_database.datfrozenxid")
	mCacheHitRatio  = m("postgresql.cache.hit_ratio", "1", "Share of block reads served from shared buffers during the interval.", scrape.Gauge, on, extra).from("pg_stat_database")
	mBGAllocated    = m("postgresql.bgwriter.buffers.allocated", "{buffers}", "Number of buffers allocated.", scrape.Counter, on, rcv).from("pg_stat_bgwriter")
	mBGWrites       = m("postgresql.bgwriter.buffers.writes", "{buffers}", "Number of buffers written.", scrape.Counter, on, rcv).from("pg_stat_bgwriter / pg_stat_checkpointer")
	mBGCheckpoints  = m("postgresql.bgwriter.checkpoint.count", "{checkpoints}", "The number of checkpoints performed.", scrape.Counter, on, rcv).from("pg_stat_bgwriter / pg_stat_checkpointer")
	mBGDuration     = m("postgresql.bgwriter.duration", "ms", "Total time spent writing and syncing files to disk by checkpoints.", scrape.Counter, on, rcv).from("pg_stat_bgwriter / pg_stat_checkpointer")
	mBGMaxWritten   = m("postgresql.bgwriter.maxwritten", "1", "Number of times the background writer stopped a cleaning scan because it had written too many buffers.", scrape.Counter, on, rcv).from("pg_stat_bgwriter")
	mConnections    = m("postgresql.connections", "{connection}", "Client connections by database, state, wait event type and application.", scrape.Gauge, on, extra).from("pg_stat_activity")
	mLocks          = m("postgresql.locks", "{lock}", "Locks by database, mode, type and whether granted.", scrape.Gauge, on, extra).from("pg_locks")
	mDatabaseLocks  = m("postgresql.database.locks", "{lock}", "The number of database locks.", scrape.Gauge, on, rcv).from("pg_locks")
	mReplDataDelay  = m("postgresql.replication.data_delay", "By", "The amount of data delayed in replication.", scrape.Gauge, on, rcv).from("pg_stat_replication")
	mWALLag         = m("postgresql.wal.lag", "s", "Time between flushing recent WAL locally and receiving notification that the standby server has completed an operation with it.", scrape.Gauge, on, rcv).from("pg_stat_replication")
	mWALDelay       = m("postgresql.wal.delay", "s", "Time between flushing recent WAL locally and receiving notification that the standby server has completed an operation with it.", scrape.Gauge, on, rcv).from("pg_stat_replication")
	mWALAge         = m("postgresql.wal.age", "s", "Age of the oldest WAL file (time since the last archived WAL segment).", scrape.Gauge, on, rcv).from("pg_stat_archiver")
	mArchived       = m("postgresql.archiver.archived", "{file}", "WAL files archived.", scrape.Counter, on, extra).from("pg_stat_archiver")
	mArchiveFailed  = m("postgresql.archiver.failed", "{file}", "Failed attempts to archive WAL files.", scrape.Counter, on, extra).from("pg_stat_archiver")
	mWALRecords     = m("postgresql.wal.records", "{record}", "WAL records generated.", scrape.Counter, on, extra).from("pg_stat_wal")
	mWALFPI         = m("postgresql.wal.full_page_images", "{image}", "WAL full page images generated.", scrape.Counter, on, extra).from("pg_stat_wal")
	mWALBytes       = m("postgresql.wal.bytes", "By", "WAL generated.", scrape.Counter, on, extra).from("pg_stat_wal")
	mWALBuffersFull = m("postgresql.wal.buffers_full", "1", "Times WAL was written because the WAL buffers were full.", scrape.Counter, on, extra).from("pg_stat_wal")
	mSlotRetained   = m("postgresql.replication_slot.retained_wal", "By", "WAL the server keeps for a replication slot.", scrape.Gauge, on, extra).from("pg_replication_slots")
	mSlotActive     = m("postgresql.replication_slot.active", "1", "1 if a consumer is connected to the replication slot.", scrape.Gauge, on, extra).from("pg_replication_slots")
	mVacuumProgress = m("postgresql.vacuum.progress", "1", "Share of heap blocks scanned by a running vacuum.", scrape.Gauge, on, extra).from("pg_stat_progress_vacuum")
)

// Per-table metrics (tables collector, one connection per database).
var (
	mBlocksRead      = m("postgresql.blocks_read", "1", "The number of blocks read.", scrape.Counter, on, rcv).from("pg_statio_user_tables")
	mOperations      = m("postgresql.operations", "1", "The number of db row operations.", scrape.Counter, on, rcv).from("pg_stat_user_tables")
	mRows            = m("postgresql.rows", "1", "The number of rows in the database.", scrape.UpDownSum, on, rcv).from("pg_stat_user_tables")
	mTableCount      = m("postgresql.table.count", "{table}", "Number of user tables in a database.", scrape.UpDownSum, on, rcv).from("pg_stat_user_tables")
	mTableSize       = m("postgresql.table.size", "By", "Disk space used by a table.", scrape.UpDownSum, on, rcv).from("pg_relation_size()")
	mVacuumCount     = m("postgresql.table.vacuum.count", "{vacuum}", "Number of times a table has manually been vacuumed.", scrape.Counter, on, rcv).from("pg_stat_user_tables")
	mAutovacuumCount = m("postgresql.table.autovacuum.count", "{vacuum}", "Number of times a table has been vacuumed by autovacuum.", scrape.Counter, on, extra).from("pg_stat_user_tables")
	mAnalyzeCount    = m("postgresql.table.analyze.count", "{analyze}", "Number of times a table has been analyzed, manually or by autovacuum.", scrape.Counter, on, extra).from("pg_stat_user_tables")
	mVacuumAge       = m("postgresql.table.vacuum.age", "s", "Time since the table was last vacuumed (manually or by autovacuum).", scrape.Gauge, on, extra).from("pg_stat_user_tables")
	mAnalyzeAge      = m("postgresql.table.analyze.age", "s", "Time since the table was last analyzed (manually or by autovacuum).", scrape.Gauge, on, extra).from("pg_stat_user_tables")
	mDeadRatio       = m("postgresql.table.dead_tuple_ratio", "1", "Dead rows as a share of all rows of a table.", scrape.Gauge, on, extra).from("pg_stat_user_tables")
	mSeqScans        = m("postgresql.sequential_scans", "{sequential_scan}", "The number of sequential scans.", scrape.Counter, on, rcv).from("pg_stat_user_tables")
	mIndexScans      = m("postgresql.index.scans", "{scans}", "The number of index scans on a table.", scrape.Counter, on, rcv).from("pg_stat_user_indexes")
	mIndexSize       = m("postgresql.index.size", "By", "The size of the index on disk.", scrape.Gauge, on, rcv).from("pg_relation_size()")
	mFunctionCalls   = m("postgresql.function.calls", "{call}", "The number of calls made to a function (needs track_functions).", scrape.Counter, on, rcv).from("pg_stat_user_functions")
)

// Resource and point attribute keys of the metrics above (the receivers'
// names; docs/newrelic-names.md).
const (
	resDatabase      = contract.PGResDatabase
	resTable         = contract.PGResTable
	resIndex         = contract.PGResIndex
	attrConflictType = "postgresql.conflict.type"
)
