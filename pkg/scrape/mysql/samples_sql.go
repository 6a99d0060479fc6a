package mysql

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/dbintel/dbintel/pkg/contract"
)

// sqlSessionsPS samples every foreground session but the scraper's own,
// with its current top-level statement and its in-progress waits, the
// latest wait first (a session may have several, nested; the reader keeps
// the first row).
const sqlSessionsPS = `SELECT t.PROCESSLIST_ID, t.THREAD_ID, COALESCE(t.PROCESSLIST_USER, ''), COALESCE(t.PROCESSLIST_HOST, ''),
  COALESCE(t.PROCESSLIST_DB, ''), COALESCE(t.PROCESSLIST_COMMAND, ''), COALESCE(t.PROCESSLIST_STATE, ''),
  COALESCE(t.PROCESSLIST_TIME, 0), COALESCE(t.PROCESSLIST_INFO, ''),
  COALESCE(s.DIGEST, ''), CASE WHEN s.END_EVENT_ID IS NULL THEN COALESCE(s.TIMER_WAIT, 0) ELSE 0 END,
  COALESCE(s.TIMER_START, 0), COALESCE(w.EVENT_ID, s.EVENT_ID, 0), COALESCE(w.EVENT_NAME, ''), COALESCE(w.TIMER_WAIT, 0)
FROM performance_schema.threads t
LEFT JOIN performance_schema.events_statements_current s ON s.THREAD_ID = t.THREAD_ID AND s.NESTING_EVENT_LEVEL = 0
LEFT JOIN performance_schema.events_waits_current w ON w.THREAD_ID = t.THREAD_ID AND w.END_EVENT_ID IS NULL
WHERE t.TYPE = 'FOREGROUND' AND t.PROCESSLIST_ID IS NOT NULL AND t.PROCESSLIST_ID <> CONNECTION_ID()
  AND COALESCE(t.PROCESSLIST_COMMAND, '') NOT IN ('Daemon', 'Binlog Dump', 'Binlog Dump GTID', 'Slave_IO', 'Slave_SQL', 'Slave_worker')
ORDER BY t.PROCESSLIST_ID, w.EVENT_ID DESC`

// sqlSessionsPSHostPort is sqlSessionsPS for MySQL 8.0.22+, whose
// threads.PROCESSLIST_HOST has no port: performance_schema.processlist's
// HOST has it (client.port).
var sqlSessionsPSHostPort = strings.NewReplacer(
	"COALESCE(t.PROCESSLIST_HOST, '')", "COALESCE(pl.HOST, t.PROCESSLIST_HOST, '')",
	"FROM performance_schema.threads t\n", "FROM performance_schema.threads t\nLEFT JOIN performance_schema.processlist pl ON pl.ID = t.PROCESSLIST_ID\n",
).Replace(sqlSessionsPS)

// sessionsSQL picks the sessions query for the server.
func sessionsSQL(info serverInfo) string {
	switch {
	case !info.ps:
		return sqlSessionsProcesslist
	case !info.mariadb && info.version >= 80022:
		return sqlSessionsPSHostPort
	}
	return sqlSessionsPS
}

// sqlSessionsProcesslist is the fallback when performance_schema is off:
// no thread id, digest or wait events.
const sqlSessionsProcesslist = `SELECT ID, 0, COALESCE(USER, ''), COALESCE(HOST, ''), COALESCE(DB, ''), COALESCE(COMMAND, ''),
  COALESCE(STATE, ''), COALESCE(TIME, 0), COALESCE(INFO, ''), '', 0, 0, 0, '', 0
FROM information_schema.PROCESSLIST
WHERE ID <> CONNECTION_ID() AND COMMAND NOT IN ('Daemon', 'Binlog Dump', 'Binlog Dump GTID', 'Slave_IO', 'Slave_SQL', 'Slave_worker')
ORDER BY ID`

// session is one session in one sample.
type session struct {
	id                  int64 // processlist id (CONNECTION_ID of the client): mysql.session.id
	threadID            int64 // performance_schema THREAD_ID: mysql.threads.thread_id (0 = unknown)
	user, host, db      string
	command, state      string
	elapsedS            float64 // of the current statement
	text                string  // raw: never sent, only obfuscated, hashed or explained
	digest              string
	timerStart          int64 // TIMER_START of the statement (ps), a per-execution key
	eventID             int64
	waitName            string  // raw instrument name of the in-progress wait
	waitS               float64 // of the in-progress wait, so far
	waitType, waitEvent string
	blockedBy           []int64 // sessions whose locks it waits on
	lockMode, lockType  string
	lockRelation        string
	lockWaitS           float64
}

// idle reports whether the session is doing nothing worth a sample.
func (s session) idle() bool { return s.command == "Sleep" || s.command == "" }

// status is the receiver's mysql.session.status: waiting on a wait or a
// lock, running a statement, or other.
func (s session) status() string {
	switch {
	case s.waitType != "" || len(s.blockedBy) > 0:
		return contract.MySQLStatusWaiting
	case s.text != "":
		return contract.MySQLStatusRunning
	}
	return contract.MySQLStatusOther
}

// userSleep is the processlist state of SLEEP(), which the receiver
// reports as its own wait class rather than the condition it waits on.
const userSleep = "User sleep"

// waitAttrs are the receiver's mysql.wait_type, mysql.wait_event_type and
// mysql.wait_event: the wait's instrument, or CPU while running, or other.
func (s session) waitAttrs() (waitType, eventType, event string) {
	switch s.status() {
	case contract.MySQLStatusWaiting:
		if s.state == userSleep && len(s.blockedBy) == 0 { // SLEEP(): the receiver's own class
			return userSleep, userSleep, userSleep
		}
		name := s.waitName
		if name == "" { // an InnoDB row-lock wait MariaDB does not instrument
			name = "wait/" + s.waitType + "/" + s.waitEvent
		}
		return name, s.waitType, s.waitEvent
	case contract.MySQLStatusRunning:
		return contract.MySQLWaitCPU, contract.MySQLWaitCPU, contract.MySQLWaitCPU
	}
	return contract.MySQLStatusOther, contract.MySQLStatusOther, contract.MySQLStatusOther
}

func readSessions(ctx context.Context, conn *sql.Conn, info serverInfo) ([]session, error) {
	rows, err := conn.QueryContext(ctx, sessionsSQL(info))
	if err != nil {
		return nil, fmt.Errorf("sessions: %w", err)
	}
	defer rows.Close()
	var out []session
	for rows.Next() {
		var s session
		var timeS int64
		var timerPS, waitPS uint64
		if err := rows.Scan(&s.id, &s.threadID, &s.user, &s.host, &s.db, &s.command, &s.state, &timeS, &s.text,
			&s.digest, &timerPS, &s.timerStart, &s.eventID, &s.waitName, &waitPS); err != nil {
			return nil, fmt.Errorf("sessions: %w", err)
		}
		if n := len(out); n > 0 && out[n-1].id == s.id {
			continue // an older in-progress wait of the same session
		}
		s.elapsedS = float64(timeS)
		if timerPS > 0 {
			s.elapsedS = psToS(timerPS)
		}
		s.waitS = psToS(waitPS)
		s.waitType, s.waitEvent = splitWait(s.waitName)
		if s.waitName == "idle" || s.waitType == "idle" { // waiting for the client: not a database wait
			s.waitName, s.waitType, s.waitEvent, s.waitS = "", "", "", 0
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sessions: %w", err)
	}
	return out, nil
}

// splitWait turns "wait/io/table/sql/handler" into ("io", "table/sql/handler").
func splitWait(name string) (typ, event string) {
	rest, ok := strings.CutPrefix(name, "wait/")
	if !ok {
		return "", name
	}
	typ, event, _ = strings.Cut(rest, "/")
	return typ, event
}

// Lock waits. MySQL 8 moved them from information_schema (InnoDB) to
// performance_schema.data_lock_waits; MariaDB kept the InnoDB views.
const (
	sqlLockWaitsMariaDB = `SELECT r.trx_mysql_thread_id, b.trx_mysql_thread_id,
  COALESCE(l.lock_mode, ''), COALESCE(l.lock_type, ''), COALESCE(l.lock_table, ''), COALESCE(l.lock_index, ''),
  COALESCE(TIMESTAMPDIFF(MICROSECOND, r.trx_wait_started, NOW(6)), 0)
FROM information_schema.INNODB_LOCK_WAITS w
JOIN information_schema.INNODB_TRX r ON r.trx_id = w.requesting_trx_id
JOIN information_schema.INNODB_TRX b ON b.trx_id = w.blocking_trx_id
LEFT JOIN information_schema.INNODB_LOCKS l ON l.lock_id = w.requested_lock_id`
	sqlLockWaitsMySQL8 = `SELECT r.trx_mysql_thread_id, b.trx_mysql_thread_id,
  COALESCE(l.LOCK_MODE, ''), COALESCE(l.LOCK_TYPE, ''), CONCAT_WS('.', l.OBJECT_SCHEMA, l.OBJECT_NAME), COALESCE(l.INDEX_NAME, ''),
  COALESCE(TIMESTAMPDIFF(MICROSECOND, r.trx_wait_started, NOW(6)), 0)
FROM performance_schema.data_lock_waits w
JOIN information_schema.INNODB_TRX r ON r.trx_id = w.REQUESTING_ENGINE_TRANSACTION_ID
JOIN information_schema.INNODB_TRX b ON b.trx_id = w.BLOCKING_ENGINE_TRANSACTION_ID
LEFT JOIN performance_schema.data_locks l ON l.ENGINE_LOCK_ID = w.REQUESTING_ENGINE_LOCK_ID`
)

// lockWait is one row of the lock-wait queries: waiter waits on blocker.
type lockWait struct {
	waiter, blocker            int64
	mode, typ, relation, index string
	waitUS                     int64
}

func lockWaitsSQL(info serverInfo) string {
	if !info.mariadb && info.version >= 80000 {
		return sqlLockWaitsMySQL8
	}
	return sqlLockWaitsMariaDB
}

func readLockWaits(ctx context.Context, conn *sql.Conn, info serverInfo) ([]lockWait, error) {
	rows, err := conn.QueryContext(ctx, lockWaitsSQL(info))
	if err != nil {
		return nil, fmt.Errorf("lock waits: %w", err)
	}
	defer rows.Close()
	var out []lockWait
	for rows.Next() {
		var w lockWait
		if err := rows.Scan(&w.waiter, &w.blocker, &w.mode, &w.typ, &w.relation, &w.index, &w.waitUS); err != nil {
			return nil, fmt.Errorf("lock waits: %w", err)
		}
		out = append(out, w)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("lock waits: %w", err)
	}
	return out, nil
}

// applyLockWaits marks the waiting sessions of a sample. InnoDB row-lock
// waits are not wait events in MariaDB's performance_schema, so a waiter
// gets wait type "lock" / event "innodb/row_lock" here (MySQL 8 reports
// wait/lock/... itself, which is kept). A waiter may wait on several
// sessions: the lock holder and earlier waiters queued for the same row;
// the lock details are those of the first row.
func applyLockWaits(sample []session, waits []lockWait) {
	byID := make(map[int64]int, len(sample))
	for i, s := range sample {
		byID[s.id] = i
	}
	for _, w := range waits {
		i, ok := byID[w.waiter]
		if !ok {
			continue
		}
		s := &sample[i]
		s.blockedBy = append(s.blockedBy, w.blocker)
		if len(s.blockedBy) > 1 {
			continue
		}
		s.lockMode, s.lockType, s.lockWaitS = w.mode, w.typ, float64(w.waitUS)/1e6
		s.lockRelation = w.relation
		if w.index != "" {
			s.lockRelation += " (" + w.index + ")"
		}
		if s.waitType == "" || s.waitType == "synch" || s.waitType == "io" {
			s.waitName, s.waitType, s.waitEvent, s.waitS = "", "lock", "innodb/row_lock", s.lockWaitS
		}
	}
}
