package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
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

// readActivity appends one sample to buf[:0]. Text columns are scanned as
// driver bytes and shared through in: they repeat across sessions and
// seconds, and a string per column, row and second was most of what the
// scraper allocated.
func readActivity(ctx context.Context, conn *pgx.Conn, version int, buf []session, in *interner) ([]session, error) {
	rows, err := conn.Query(ctx, activitySQL(version))
	if err != nil {
		return nil, fmt.Errorf("pg_stat_activity: %w", err)
	}
	defer rows.Close()
	out := buf[:0]
	// Outside the loop: Scan takes pointers into them, which moves them to
	// the heap.
	var s session
	var txt [13]pgtype.DriverBytes
	for rows.Next() {
		s = session{}
		if err := rows.Scan(&s.pid, &txt[0], &txt[1], &txt[2], &txt[3], &txt[4], &txt[5], &txt[6],
			&s.queryID, &txt[7], &s.queryStart, &s.xactStart, &s.now, &s.blockedBy,
			&txt[8], &txt[9], &txt[10], &s.waitStart,
			&txt[11], &s.clientPort, &txt[12], &s.backendStart); err != nil {
			return nil, fmt.Errorf("pg_stat_activity: %w", err)
		}
		for i, dst := range [...]*string{&s.datname, &s.user, &s.app, &s.state, &s.waitType, &s.waitEvent, &s.backend,
			&s.query, &s.lockMode, &s.lockType, &s.lockRelation, &s.clientAddr, &s.clientHost} {
			*dst = in.str(txt[i])
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("pg_stat_activity: %w", err)
	}
	return out, nil
}

// interner hands out one string per distinct value, up to max values;
// beyond that it allocates as usual.
type interner struct {
	m   map[string]string
	max int
}

func newInterner(max int) *interner { return &interner{m: make(map[string]string), max: max} }

func (in *interner) str(b []byte) string {
	if s, ok := in.m[string(b)]; ok {
		return s
	}
	s := string(b)
	if len(in.m) < in.max {
		in.m[s] = s
	}
	return s
}

// reset forgets every value, so texts no session shows any more are not
// kept.
func (in *interner) reset() { clear(in.m) }
