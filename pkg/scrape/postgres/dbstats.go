package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dbintel/dbintel/pkg/scrape"
)

// sqlDatabaseStats reads every connectable database in one pass.
// pg_database_size needs CONNECT on the database or pg_read_all_stats;
// without it the size is NULL rather than the whole query failing.
const sqlDatabaseStats = ownMarker + `SELECT d.datname, s.numbackends, s.xact_commit, s.xact_rollback,
  CASE WHEN has_database_privilege(d.oid, 'CONNECT') OR pg_has_role('pg_read_all_stats', 'MEMBER')
       THEN pg_database_size(d.oid) END
FROM pg_database d JOIN pg_stat_database s ON s.datid = d.oid
WHERE d.datallowconn AND NOT d.datistemplate
ORDER BY d.datname`

// dbStats is one row of sqlDatabaseStats.
type dbStats struct {
	name               string
	backends           int64
	commits, rollbacks int64
	size               *int64
}

func queryDatabaseStats(ctx context.Context, conn *pgx.Conn) ([]dbStats, error) {
	rows, err := conn.Query(ctx, sqlDatabaseStats)
	if err != nil {
		return nil, fmt.Errorf("pg_stat_database: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (dbStats, error) {
		var s dbStats
		err := r.Scan(&s.name, &s.backends, &s.commits, &s.rollbacks, &s.size)
		return s, err
	})
	if err != nil {
		return nil, fmt.Errorf("pg_stat_database: %w", err)
	}
	return out, nil
}

// emitDatabaseStats maps rows to metrics; counters become deltas, so the
// first call for a database only records the baseline.
func emitDatabaseStats(mb *scrape.MetricsBuilder, d *scrape.Deltas, rows []dbStats, now time.Time) {
	for _, r := range rows {
		ns := []string{"db.namespace", r.name}
		mb.Int(mBackends.MetricDef, time.Time{}, now, r.backends, ns...)
		if r.size != nil {
			mb.Int(mDBSize.MetricDef, time.Time{}, now, *r.size, ns...)
		}
		emitDelta(mb, d, mCommits, r.name, r.commits, now, ns...)
		emitDelta(mb, d, mRollbacks, r.name, r.rollbacks, now, ns...)
	}
	mb.Int(mDBCount.MetricDef, time.Time{}, now, int64(len(rows)))
}

// emitDelta emits the delta of a cumulative integer counter; key must make
// the series unique within the metric.
func emitDelta(mb *scrape.MetricsBuilder, d *scrape.Deltas, m def, key string, v int64, now time.Time, attrs ...string) {
	if delta, start, ok := d.Observe(m.Name+"|"+key, float64(v), now); ok {
		mb.Int(m.MetricDef, start, now, int64(delta), attrs...)
	}
}
