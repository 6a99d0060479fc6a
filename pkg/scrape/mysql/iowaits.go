package mysql

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/dbintel/dbintel/pkg/scrape"
)

// sqlIOWaits reads per-table and per-index I/O waits in one pass: rows with
// INDEX_NAME NULL from the table summary, the rest per index. System
// schemas are left out; the busiest rows first, bounded.
const sqlIOWaits = `SELECT OBJECT_SCHEMA, OBJECT_NAME, '' AS INDEX_NAME,
  COUNT_FETCH, COUNT_INSERT, COUNT_UPDATE, COUNT_DELETE,
  SUM_TIMER_FETCH, SUM_TIMER_INSERT, SUM_TIMER_UPDATE, SUM_TIMER_DELETE
FROM performance_schema.table_io_waits_summary_by_table
WHERE OBJECT_SCHEMA NOT IN ('mysql', 'performance_schema', 'information_schema', 'sys') AND COUNT_STAR > 0
UNION ALL
SELECT OBJECT_SCHEMA, OBJECT_NAME, INDEX_NAME,
  COUNT_FETCH, COUNT_INSERT, COUNT_UPDATE, COUNT_DELETE,
  SUM_TIMER_FETCH, SUM_TIMER_INSERT, SUM_TIMER_UPDATE, SUM_TIMER_DELETE
FROM performance_schema.table_io_waits_summary_by_index_usage
WHERE OBJECT_SCHEMA NOT IN ('mysql', 'performance_schema', 'information_schema', 'sys') AND COUNT_STAR > 0
  AND INDEX_NAME IS NOT NULL
ORDER BY SUM_TIMER_FETCH + SUM_TIMER_INSERT + SUM_TIMER_UPDATE + SUM_TIMER_DELETE DESC
LIMIT %d`

// ioWaitRow is one table (index "") or index; times in picoseconds.
type ioWaitRow struct {
	schema, table, index string
	counts, timesPS      [4]uint64 // fetch, insert, update, delete
}

var ioOps = [4]string{"fetch", "insert", "update", "delete"}

func readIOWaits(ctx context.Context, conn *sql.Conn) ([]ioWaitRow, error) {
	rows, err := conn.QueryContext(ctx, fmt.Sprintf(sqlIOWaits, maxIOWaitRows))
	if err != nil {
		return nil, fmt.Errorf("table io waits: %w", err)
	}
	defer rows.Close()
	var out []ioWaitRow
	for rows.Next() {
		var r ioWaitRow
		if err := rows.Scan(&r.schema, &r.table, &r.index, &r.counts[0], &r.counts[1], &r.counts[2], &r.counts[3],
			&r.timesPS[0], &r.timesPS[1], &r.timesPS[2], &r.timesPS[3]); err != nil {
			return nil, fmt.Errorf("table io waits: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("table io waits: %w", err)
	}
	return out, nil
}

// emitIOWaits emits the I/O wait counters through d (cumulative or
// deltas); the receiver's unit for the times is ns, performance_schema's
// is ps.
func emitIOWaits(mb *scrape.MetricsBuilder, d *scrape.Deltas, rows []ioWaitRow, now time.Time) {
	for _, r := range rows {
		cm, tm := mTableIOCount, mTableIOTime
		if r.index != "" {
			cm, tm = mIndexIOCount, mIndexIOTime
		}
		for i, op := range ioOps {
			a := []string{"operation", op, "table", r.table, "schema", r.schema}
			if r.index != "" {
				a = append(a, "index", r.index)
			}
			key := r.schema + "\x00" + r.table + "\x00" + r.index + "\x00" + op
			if v, start, ok := d.Observe("c\x00"+key, float64(r.counts[i]), now); ok {
				mb.Int(cm, start, now, int64(v), a...)
			}
			if v, start, ok := d.Observe("t\x00"+key, float64(r.timesPS[i]), now); ok {
				mb.Int(tm, start, now, int64(v/1000), a...)
			}
		}
	}
}
