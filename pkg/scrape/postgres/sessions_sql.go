package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// sqlActivityTemplate samples every other session in one query. pg_locks
// is read once per sample (a CTE, not a per-session subquery: each read of
// it walks the lock table), and pg_blocking_pids, which takes lock-manager
// locks, runs only for sessions waiting on a lock. A relation name is
// resolved only in the scraper's own database (regclass is per database);
// elsewhere the OID is reported.
const sqlActivityTemplate = ownMarker + `WITH w AS MATERIALIZED (
  SELECT DISTINCT ON (pid) pid, mode, locktype, relation, database%s FROM pg_locks WHERE NOT granted)
SELECT a.pid, COALESCE(a.datname, ''), COALESCE(a.usename, ''), COALESCE(a.application_name, ''),
  COALESCE(a.state, ''), COALESCE(a.wait_event_type, ''), COALESCE(a.wait_event, ''), COALESCE(a.backend_type, ''),
  %s, COALESCE(a.query, ''), a.query_start, a.xact_start, now(),
  CASE WHEN a.wait_event_type = 'Lock' THEN pg_blocking_pids(a.pid) END,
  COALESCE(w.mode, ''), COALESCE(w.locktype, ''),
  COALESCE(CASE WHEN w.database = (SELECT oid FROM pg_database WHERE datname = current_database())
                THEN w.relation::regclass::text ELSE w.relation::text END, ''),
  %s,
  COALESCE(host(a.client_addr), ''), COALESCE(a.client_port, 0), COALESCE(a.client_hostname, ''), a.backend_start
FROM pg_stat_activity a LEFT JOIN w ON w.pid = a.pid AND a.wait_event_type = 'Lock'
WHERE a.pid <> pg_backend_pid() AND COALESCE(a.application_name, '') <> '` + ApplicationName + `'`

// Version-gated columns: query_id (14+) and pg_locks.waitstart (14+).
const (
	colQueryID14     = "a.query_id"
	colNoQueryID     = "NULL::int8"
	colWaitStart14   = "w.waitstart"
	colNoWaitStart   = "NULL::timestamptz"
	colLockWaitStart = ", waitstart"
)

func activitySQL(version int) string {
	if version >= 140000 {
		return fmt.Sprintf(sqlActivityTemplate, colLockWaitStart, colQueryID14, colWaitStart14)
	}
	return fmt.Sprintf(sqlActivityTemplate, "", colNoQueryID, colNoWaitStart)
}

// session is one row of a pg_stat_activity sample.
type session struct {
	pid                                 int32
	datname, user, app                  string
	state, waitType, waitEvent, backend string
	queryID                             *int64
	query                               string
	queryStart, xactStart               *time.Time
	now                                 time.Time
	blockedBy                           []int32
	lockMode, lockType, lockRelation    string
	waitStart                           *time.Time
	clientAddr, clientHost              string
	clientPort                          int32
	backendStart                        *time.Time
}

func readActivity(ctx context.Context, conn *pgx.Conn, version int) ([]session, error) {
	rows, err := conn.Query(ctx, activitySQL(version))
	if err != nil {
		return nil, fmt.Errorf("pg_stat_activity: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (session, error) {
		var s session
		err := r.Scan(&s.pid, &s.datname, &s.user, &s.app, &s.state, &s.waitType, &s.waitEvent, &s.backend,
			&s.queryID, &s.query, &s.queryStart, &s.xactStart, &s.now, &s.blockedBy,
			&s.lockMode, &s.lockType, &s.lockRelation, &s.waitStart,
			&s.clientAddr, &s.clientPort, &s.clientHost, &s.backendStart)
		return s, err
	})
	if err != nil {
		return nil, fmt.Errorf("pg_stat_activity: %w", err)
	}
	return out, nil
}
