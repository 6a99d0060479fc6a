package mysql

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/dbintel/dbintel/pkg/scrape"
)

// Per-table metrics of nrmysqlreceiver that New Relic's MySQL dashboard
// reads: table lock waits and table sizes. The receiver sends the server's
// own values as non-monotonic sums (dashboards use latest() - earliest()),
// so they carry the server's value whatever the counter temporality.
var (
	mLockReadCount  = md("mysql.table.lock_wait.read.count", "1", "The total table lock wait read events.", scrape.UpDownSum)
	mLockReadTime   = md("mysql.table.lock_wait.read.time", "ns", "The total table lock wait read events times.", scrape.UpDownSum)
	mLockWriteCount = md("mysql.table.lock_wait.write.count", "1", "The total table lock wait write events.", scrape.UpDownSum)
	mLockWriteTime  = md("mysql.table.lock_wait.write.time", "ns", "The total table lock wait write events times.", scrape.UpDownSum)
	mTableRows      = md("mysql.table.rows", "1", "The number of rows for a given table.", scrape.UpDownSum)
	mTableAvgRow    = md("mysql.table.average_row_length", "By", "The average row length in bytes for a given table.", scrape.UpDownSum)
	mTableSize      = md("mysql.table.size", "By", "The table size in bytes for a given table.", scrape.UpDownSum)
)

// maxTableRows bounds the tables whose lock waits and sizes are sent per
// scrape (the busiest, the largest).
const maxTableRows = 500

// tableStatsEvery spaces the information_schema.TABLES reads: on a server
// with many tables they cost more than everything else of a scrape, and
// sizes move slowly.
const tableStatsEvery = time.Minute

const systemSchemas = `'mysql', 'performance_schema', 'information_schema', 'sys'`

// Lock kinds, in the column order of sqlTableLockWaits (the receiver's
// read_lock_type and write_lock_type values).
var (
	readLockKinds  = [5]string{"normal", "with_shared_locks", "high_priority", "no_insert", "external"}
	writeLockKinds = [5]string{"allow_write", "concurrent_insert", "low_priority", "normal", "external"}
)

// sqlTableLockWaits exists in MySQL 5.6+, 8.x and MariaDB 10.x alike.
var sqlTableLockWaits = `SELECT OBJECT_SCHEMA, OBJECT_NAME,
  COUNT_READ_NORMAL, COUNT_READ_WITH_SHARED_LOCKS, COUNT_READ_HIGH_PRIORITY, COUNT_READ_NO_INSERT, COUNT_READ_EXTERNAL,
  SUM_TIMER_READ_NORMAL, SUM_TIMER_READ_WITH_SHARED_LOCKS, SUM_TIMER_READ_HIGH_PRIORITY, SUM_TIMER_READ_NO_INSERT, SUM_TIMER_READ_EXTERNAL,
  COUNT_WRITE_ALLOW_WRITE, COUNT_WRITE_CONCURRENT_INSERT, COUNT_WRITE_LOW_PRIORITY, COUNT_WRITE_NORMAL, COUNT_WRITE_EXTERNAL,
  SUM_TIMER_WRITE_ALLOW_WRITE, SUM_TIMER_WRITE_CONCURRENT_INSERT, SUM_TIMER_WRITE_LOW_PRIORITY, SUM_TIMER_WRITE_NORMAL, SUM_TIMER_WRITE_EXTERNAL
FROM performance_schema.table_lock_waits_summary_by_table
WHERE OBJECT_SCHEMA NOT IN (` + systemSchemas + `) AND COUNT_STAR > 0
ORDER BY SUM_TIMER_WAIT DESC
LIMIT ` + fmt.Sprint(maxTableRows)

var sqlTableStats = `SELECT TABLE_SCHEMA, TABLE_NAME, COALESCE(TABLE_ROWS, 0), COALESCE(AVG_ROW_LENGTH, 0),
  COALESCE(DATA_LENGTH, 0), COALESCE(INDEX_LENGTH, 0)
FROM information_schema.TABLES
WHERE TABLE_SCHEMA NOT IN (` + systemSchemas + `) AND TABLE_TYPE = 'BASE TABLE'
ORDER BY COALESCE(DATA_LENGTH, 0) + COALESCE(INDEX_LENGTH, 0) DESC
LIMIT ` + fmt.Sprint(maxTableRows)

// tableLockRow is one table's lock-wait counters; times in picoseconds.
type tableLockRow struct {
	schema, table             string
	readCounts, readTimesPS   [5]uint64
	writeCounts, writeTimesPS [5]uint64
}

func readTableLockWaits(ctx context.Context, conn *sql.Conn) ([]tableLockRow, error) {
	rows, err := conn.QueryContext(ctx, sqlTableLockWaits)
	if err != nil {
		return nil, fmt.Errorf("table lock waits: %w", err)
	}
	defer rows.Close()
	var out []tableLockRow
	for rows.Next() {
		var r tableLockRow
		dst := []any{&r.schema, &r.table}
		for _, a := range []*[5]uint64{&r.readCounts, &r.readTimesPS, &r.writeCounts, &r.writeTimesPS} {
			for i := range a {
				dst = append(dst, &a[i])
			}
		}
		if err := rows.Scan(dst...); err != nil {
			return nil, fmt.Errorf("table lock waits: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("table lock waits: %w", err)
	}
	return out, nil
}

func emitTableLockWaits(mb *scrape.MetricsBuilder, rows []tableLockRow, now time.Time) {
	for _, r := range rows {
		for i, k := range readLockKinds {
			a := []string{"schema", r.schema, "table", r.table, "kind", k}
			mb.Int(mLockReadCount, time.Time{}, now, clampInt(r.readCounts[i]), a...)
			mb.Int(mLockReadTime, time.Time{}, now, clampInt(r.readTimesPS[i]/1000), a...)
		}
		for i, k := range writeLockKinds {
			a := []string{"schema", r.schema, "table", r.table, "kind", k}
			mb.Int(mLockWriteCount, time.Time{}, now, clampInt(r.writeCounts[i]), a...)
			mb.Int(mLockWriteTime, time.Time{}, now, clampInt(r.writeTimesPS[i]/1000), a...)
		}
	}
}

// tableStatRow is one table's size from information_schema.TABLES.
type tableStatRow struct {
	schema, table                      string
	rows, avgRowLen, dataLen, indexLen uint64
}

func readTableStats(ctx context.Context, conn *sql.Conn) ([]tableStatRow, error) {
	rows, err := conn.QueryContext(ctx, sqlTableStats)
	if err != nil {
		return nil, fmt.Errorf("table stats: %w", err)
	}
	defer rows.Close()
	var out []tableStatRow
	for rows.Next() {
		var r tableStatRow
		if err := rows.Scan(&r.schema, &r.table, &r.rows, &r.avgRowLen, &r.dataLen, &r.indexLen); err != nil {
			return nil, fmt.Errorf("table stats: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("table stats: %w", err)
	}
	return out, nil
}

func emitTableStats(mb *scrape.MetricsBuilder, rows []tableStatRow, now time.Time) {
	for _, r := range rows {
		mb.Int(mTableRows, time.Time{}, now, clampInt(r.rows), "table", r.table, "schema", r.schema)
		mb.Int(mTableAvgRow, time.Time{}, now, clampInt(r.avgRowLen), "table", r.table, "schema", r.schema)
		mb.Int(mTableSize, time.Time{}, now, clampInt(r.dataLen), "table", r.table, "schema", r.schema, "kind", "data")
		mb.Int(mTableSize, time.Time{}, now, clampInt(r.indexLen), "table", r.table, "schema", r.schema, "kind", "index")
	}
}

// clampInt converts an unsigned server value to an OTLP int64 without
// wrapping to a negative.
func clampInt(v uint64) int64 {
	if v > 1<<63-1 {
		return 1<<63 - 1
	}
	return int64(v)
}
