package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/dbintel/dbintel/pkg/contract"
)

// Version-gated SQL of the server-level sections.
const (
	// Before 17 the checkpointer's counters live in pg_stat_bgwriter.
	sqlBGWriter16 = ownMarker + `SELECT buffers_alloc, buffers_backend, buffers_backend_fsync, buffers_checkpoint, buffers_clean,
  checkpoints_req, checkpoints_timed, checkpoint_sync_time, checkpoint_write_time, maxwritten_clean FROM pg_stat_bgwriter`
	sqlBGWriter17 = ownMarker + `SELECT b.buffers_alloc, NULL::int8, NULL::int8, c.buffers_written, b.buffers_clean,
  c.num_requested, c.num_timed, c.sync_time, c.write_time, b.maxwritten_clean FROM pg_stat_bgwriter b, pg_stat_checkpointer c`
	sqlConnections = ownMarker + `SELECT COALESCE(datname, ''), COALESCE(state, ''), COALESCE(wait_event_type, ''), COALESCE(application_name, ''), count(*)
FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()
GROUP BY 1, 2, 3, 4 ORDER BY 5 DESC LIMIT 500`
	sqlLocks = ownMarker + `SELECT COALESCE(d.datname, ''), l.mode, l.locktype, l.granted, count(*)
FROM pg_locks l LEFT JOIN pg_database d ON d.oid = l.database GROUP BY 1, 2, 3, 4`
	sqlDatabaseLocks = ownMarker + `SELECT COALESCE(d.datname, ''), l.relation::regclass::text, l.mode, l.locktype, count(*)
FROM pg_locks l JOIN pg_database d ON d.oid = l.database
WHERE l.relation IS NOT NULL AND d.datname = current_database() GROUP BY 1, 2, 3, 4 LIMIT 1000`
	// On a standby pg_current_wal_lsn() fails, so it is guarded.
	sqlReplication = ownMarker + `SELECT COALESCE(client_addr::text, 'unix'),
  CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::int8 END,
  EXTRACT(EPOCH FROM write_lag)::float8, EXTRACT(EPOCH FROM flush_lag)::float8, EXTRACT(EPOCH FROM replay_lag)::float8
FROM pg_stat_replication`
	sqlArchiver = ownMarker + `SELECT archived_count, failed_count, EXTRACT(EPOCH FROM now() - COALESCE(last_archived_time, now()))::float8 FROM pg_stat_archiver`
	sqlWAL14    = ownMarker + `SELECT wal_records, wal_fpi, wal_bytes::int8, wal_buffers_full FROM pg_stat_wal`
	sqlSlots    = ownMarker + `SELECT slot_name, slot_type, active,
  CASE WHEN pg_is_in_recovery() OR restart_lsn IS NULL THEN NULL ELSE pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::int8 END
FROM pg_replication_slots`
	sqlVacuumProgress = ownMarker + `SELECT COALESCE(datname, ''), relid::int8, phase,
  CASE WHEN heap_blks_total > 0 THEN heap_blks_scanned::float8 / heap_blks_total END
FROM pg_stat_progress_vacuum`
)

// section is one independent part of the infrastructure scrape: a failure
// (e.g. a missing privilege on one view) loses only that part.
type section struct {
	name       string
	minVersion int
	metrics    []*def // the section is skipped when none is enabled
	run        func(ctx context.Context, conn *pgx.Conn, version int, e *emitter) error
}

var serverSections = []section{
	{"pg_stat_bgwriter", 0, []*def{mBGAllocated, mBGWrites, mBGCheckpoints, mBGDuration, mBGMaxWritten}, scrapeBGWriter},
	{"connections", 0, []*def{mConnections}, scrapeConnections},
	{"pg_locks", 0, []*def{mLocks}, scrapeLocks},
	{"pg_locks relations", 0, []*def{mDatabaseLocks}, scrapeDatabaseLocks},
	{"pg_stat_replication", 0, []*def{mReplDataDelay, mWALLag, mWALDelay}, scrapeReplication},
	{"pg_stat_archiver", 0, []*def{mWALAge, mArchived, mArchiveFailed}, scrapeArchiver},
	{"pg_stat_wal", 140000, []*def{mWALRecords, mWALFPI, mWALBytes, mWALBuffersFull}, scrapeWAL},
	{"pg_replication_slots", 0, []*def{mSlotRetained, mSlotActive}, scrapeSlots},
	{"pg_stat_progress_vacuum", 0, []*def{mVacuumProgress}, scrapeVacuumProgress},
}

func scrapeBGWriter(ctx context.Context, conn *pgx.Conn, version int, e *emitter) error {
	q := sqlBGWriter16
	if version >= 170000 {
		q = sqlBGWriter17
	}
	var alloc, clean, req, timed, maxw, ckpt int64
	var backend, fsync *int64
	var syncMS, writeMS float64
	if err := conn.QueryRow(ctx, q).Scan(&alloc, &backend, &fsync, &ckpt, &clean, &req, &timed, &syncMS, &writeMS, &maxw); err != nil {
		return err
	}
	e.counter(mBGAllocated, alloc)
	e.counter(mBGWrites, ckpt, "source", "checkpoints")
	e.counter(mBGWrites, clean, "source", "bgwriter")
	if backend != nil { // gone in 17 (see pg_stat_io)
		e.counter(mBGWrites, *backend, "source", "backend")
		e.counter(mBGWrites, *fsync, "source", "backend_fsync")
	}
	e.counter(mBGCheckpoints, req, "type", "requested")
	e.counter(mBGCheckpoints, timed, "type", "scheduled")
	e.counterFloat(mBGDuration, syncMS, "type", "sync")
	e.counterFloat(mBGDuration, writeMS, "type", "write")
	e.counter(mBGMaxWritten, maxw)
	return nil
}

func scrapeConnections(ctx context.Context, conn *pgx.Conn, _ int, e *emitter) error {
	var db, state, wait, app string
	var n int64
	rows, _ := conn.Query(ctx, sqlConnections)
	_, err := pgx.ForEachRow(rows, []any{&db, &state, &wait, &app, &n}, func() error {
		e.value(mConnections, n, contract.AttrNamespace, db, "state", state, "wait_event_type", wait, "postgresql.application_name", app)
		return nil
	})
	return err
}

func scrapeLocks(ctx context.Context, conn *pgx.Conn, _ int, e *emitter) error {
	var db, mode, typ string
	var granted bool
	var n int64
	rows, _ := conn.Query(ctx, sqlLocks)
	_, err := pgx.ForEachRow(rows, []any{&db, &mode, &typ, &granted, &n}, func() error {
		e.value(mLocks, n, contract.AttrNamespace, db, "mode", mode, "lock_type", typ, "granted", fmt.Sprint(granted))
		return nil
	})
	return err
}

func scrapeDatabaseLocks(ctx context.Context, conn *pgx.Conn, _ int, e *emitter) error {
	var db, rel, mode, typ string
	var n int64
	rows, _ := conn.Query(ctx, sqlDatabaseLocks)
	_, err := pgx.ForEachRow(rows, []any{&db, &rel, &mode, &typ, &n}, func() error {
		e.value(mDatabaseLocks, n, "relation", rel, "mode", mode, "lock_type", typ, contract.AttrNamespace, db)
		return nil
	})
	return err
}

func scrapeReplication(ctx context.Context, conn *pgx.Conn, _ int, e *emitter) error {
	var client string
	var delay *int64
	var lags [3]*float64
	rows, _ := conn.Query(ctx, sqlReplication)
	_, err := pgx.ForEachRow(rows, []any{&client, &delay, &lags[0], &lags[1], &lags[2]}, func() error {
		if delay != nil {
			e.value(mReplDataDelay, *delay, "replication_client", client)
		}
		for i, op := range []string{"write", "flush", "replay"} {
			if lags[i] != nil {
				e.value(mWALLag, int64(*lags[i]), "operation", op, "replication_client", client)
				e.float(mWALDelay, *lags[i], "operation", op, "replication_client", client)
			}
		}
		return nil
	})
	return err
}

func scrapeArchiver(ctx context.Context, conn *pgx.Conn, _ int, e *emitter) error {
	var archived, failed int64
	var age *float64
	if err := conn.QueryRow(ctx, sqlArchiver).Scan(&archived, &failed, &age); err != nil {
		return err
	}
	e.counter(mArchived, archived)
	e.counter(mArchiveFailed, failed)
	if age != nil {
		e.value(mWALAge, int64(*age))
	}
	return nil
}

func scrapeWAL(ctx context.Context, conn *pgx.Conn, _ int, e *emitter) error {
	var records, fpi, bytes, full int64
	if err := conn.QueryRow(ctx, sqlWAL14).Scan(&records, &fpi, &bytes, &full); err != nil {
		return err
	}
	e.counter(mWALRecords, records)
	e.counter(mWALFPI, fpi)
	e.counter(mWALBytes, bytes)
	e.counter(mWALBuffersFull, full)
	return nil
}

func scrapeSlots(ctx context.Context, conn *pgx.Conn, _ int, e *emitter) error {
	var name, typ string
	var active bool
	var retained *int64
	rows, _ := conn.Query(ctx, sqlSlots)
	_, err := pgx.ForEachRow(rows, []any{&name, &typ, &active, &retained}, func() error {
		var a int64
		if active {
			a = 1
		}
		e.value(mSlotActive, a, "slot_name", name, "slot_type", typ)
		if retained != nil {
			e.value(mSlotRetained, *retained, "slot_name", name, "slot_type", typ)
		}
		return nil
	})
	return err
}

func scrapeVacuumProgress(ctx context.Context, conn *pgx.Conn, _ int, e *emitter) error {
	var db, phase string
	var relid int64
	var progress *float64
	rows, _ := conn.Query(ctx, sqlVacuumProgress)
	_, err := pgx.ForEachRow(rows, []any{&db, &relid, &phase, &progress}, func() error {
		if progress != nil {
			e.float(mVacuumProgress, *progress, contract.AttrNamespace, db, "postgresql.relation_id", fmt.Sprint(relid), "phase", phase)
		}
		return nil
	})
	return err
}
