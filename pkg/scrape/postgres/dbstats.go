package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/dbintel/dbintel/pkg/contract"
)

// sqlDatabaseStats reads every connectable database in one pass.
// pg_database_size needs CONNECT on the database or pg_read_all_stats;
// without it the size is NULL rather than the whole query failing.
const sqlDatabaseStats = ownMarker + `SELECT d.datname, s.numbackends, s.xact_commit, s.xact_rollback,
  CASE WHEN has_database_privilege(d.oid, 'CONNECT') OR pg_has_role('pg_read_all_stats', 'MEMBER')
       THEN pg_database_size(d.oid) END,
  s.blks_read, s.blks_hit, s.tup_returned, s.tup_fetched, s.tup_inserted, s.tup_updated, s.tup_deleted,
  s.deadlocks, s.temp_files, s.temp_bytes, age(d.datfrozenxid)::int8,
  COALESCE(c.confl_tablespace, 0), COALESCE(c.confl_lock, 0), COALESCE(c.confl_snapshot, 0),
  COALESCE(c.confl_bufferpin, 0), COALESCE(c.confl_deadlock, 0)
FROM pg_database d JOIN pg_stat_database s ON s.datid = d.oid
LEFT JOIN pg_stat_database_conflicts c ON c.datid = d.oid
WHERE d.datallowconn AND NOT d.datistemplate
ORDER BY d.datname`

// dbStats is one row of sqlDatabaseStats.
type dbStats struct {
	name                                 string
	backends, commits, rollbacks         int64
	size                                 *int64
	blksRead, blksHit                    int64
	tupReturned, tupFetched, tupInserted int64
	tupUpdated, tupDeleted               int64
	deadlocks, tempFiles, tempBytes      int64
	xidAge                               int64
	conflicts                            [5]int64 // by conflictTypes
}

// conflictTypes are the postgresql.conflict.type values, in the order of
// pg_stat_database_conflicts' columns.
var conflictTypes = [5]string{"tablespace", "lock", "snapshot", "bufferpin", "deadlock"}

func queryDatabaseStats(ctx context.Context, conn *pgx.Conn) ([]dbStats, error) {
	rows, err := conn.Query(ctx, sqlDatabaseStats)
	if err != nil {
		return nil, fmt.Errorf("pg_stat_database: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (dbStats, error) {
		var s dbStats
		err := r.Scan(&s.name, &s.backends, &s.commits, &s.rollbacks, &s.size, &s.blksRead, &s.blksHit,
			&s.tupReturned, &s.tupFetched, &s.tupInserted, &s.tupUpdated, &s.tupDeleted,
			&s.deadlocks, &s.tempFiles, &s.tempBytes, &s.xidAge,
			&s.conflicts[0], &s.conflicts[1], &s.conflicts[2], &s.conflicts[3], &s.conflicts[4])
		return s, err
	})
	if err != nil {
		return nil, fmt.Errorf("pg_stat_database: %w", err)
	}
	return out, nil
}

// emitDatabaseStats maps rows to metrics under each database's resource
// (postgresql.database.name, which New Relic's entity dashboard facets on);
// the points also carry db.namespace, which its quickstart dashboard facets
// on.
func emitDatabaseStats(root *emitter, rows []dbStats) {
	for _, r := range rows {
		e := root.at(resDatabase, r.name)
		ns := []string{contract.AttrNamespace, r.name}
		e.value(mBackends, r.backends, ns...)
		if r.size != nil {
			e.value(mDBSize, *r.size, ns...)
		}
		e.counter(mCommits, r.commits, ns...)
		e.counter(mRollbacks, r.rollbacks, ns...)
		e.counter(mBlksRead, r.blksRead, ns...)
		e.counter(mBlksHit, r.blksHit, ns...)
		e.counter(mTupReturned, r.tupReturned, ns...)
		e.counter(mTupFetched, r.tupFetched, ns...)
		e.counter(mTupInserted, r.tupInserted, ns...)
		e.counter(mTupUpdated, r.tupUpdated, ns...)
		e.counter(mTupDeleted, r.tupDeleted, ns...)
		e.counter(mDeadlocks, r.deadlocks, ns...)
		e.counter(mTempFiles, r.tempFiles, ns...)
		e.counter(mTempIO, r.tempBytes, ns...)
		for i, typ := range conflictTypes {
			e.counter(mConflicts, r.conflicts[i], append(ns, attrConflictType, typ)...)
		}
		e.value(mXIDAge, r.xidAge, ns...)
		// The hit ratio of the interval, not since the last stats reset,
		// so it moves when the workload changes.
		hit, ok1 := e.rawDelta("hit_ratio|hit|"+r.name, r.blksHit)
		read, ok2 := e.rawDelta("hit_ratio|read|"+r.name, r.blksRead)
		if ok1 && ok2 && hit+read > 0 {
			e.float(mCacheHitRatio, float64(hit)/float64(hit+read), ns...)
		}
	}
	root.value(mDBCount, int64(len(rows)))
}
