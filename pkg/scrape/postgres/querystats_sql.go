package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/dbintel/dbintel/pkg/scrape"
)

// Column expressions of pg_stat_statements that changed across versions.
const (
	colTotalTime12   = "s.total_time"      // PostgreSQL 12: one total
	colExecTime13    = "s.total_exec_time" // 13+: split execution/planning
	colPlanTime13    = "s.total_plan_time"
	colWALBytes13    = "s.wal_bytes::float8"
	colToplevel14    = "s.toplevel"
	colNoPlanTime    = "0::float8"
	colNoWAL         = "0::float8"
	colToplevelUntil = "true" // before 14 every entry is top level
)

// sqlStatementsTemplate reads counters only: pg_stat_statements(false)
// skips the query-text file, which is the expensive part.
const sqlStatementsTemplate = ownMarker + `SELECT s.userid::int8, s.dbid::int8, s.queryid, %s, COALESCE(d.datname, ''), COALESCE(r.rolname, ''),
  s.calls, %s, %s, s.rows, s.shared_blks_hit, s.shared_blks_read, s.shared_blks_dirtied, s.shared_blks_written,
  s.local_blks_hit, s.local_blks_read, s.temp_blks_read, s.temp_blks_written, %s
FROM pg_stat_statements(false) s
LEFT JOIN pg_database d ON d.oid = s.dbid
LEFT JOIN pg_roles r ON r.oid = s.userid`

// sqlStatementTexts fetches texts of the given query ids only.
const sqlStatementTexts = ownMarker + `SELECT s.userid::int8, s.dbid::int8, s.queryid, %s, s.query
FROM pg_stat_statements(true) s WHERE s.queryid = ANY($1)`

// sqlStatementsInfo (14+) tells a reset of the whole view and evictions.
const sqlStatementsInfo = ownMarker + `SELECT dealloc, COALESCE(stats_reset, 'epoch'::timestamptz) FROM pg_stat_statements_info`

func statementsSQL(version int) string {
	exec, plan, wal, top := colTotalTime12, colNoPlanTime, colNoWAL, colToplevelUntil
	if version >= 130000 {
		exec, plan, wal = colExecTime13, colPlanTime13, colWALBytes13
	}
	if version >= 140000 {
		top = colToplevel14
	}
	return fmt.Sprintf(sqlStatementsTemplate, top, exec, plan, wal)
}

func textsSQL(version int) string {
	top := colToplevelUntil
	if version >= 140000 {
		top = colToplevel14
	}
	return fmt.Sprintf(sqlStatementTexts, top)
}

// stmtKey identifies one pg_stat_statements entry.
type stmtKey struct {
	userid, dbid int64
	queryid      int64
	toplevel     bool
}

// stmtCounters are the cumulative counters of an entry; times in ms as
// PostgreSQL reports them.
type stmtCounters struct {
	calls                                               int64
	execMS, planMS                                      float64
	rows                                                int64
	sharedHit, sharedRead, sharedDirtied, sharedWritten int64
	localHit, localRead, tempRead, tempWritten          int64
	walBytes                                            float64
}

type stmtRow struct {
	key              stmtKey
	datname, rolname string
	c                stmtCounters
}

// readStatements returns the entries the scraper's role may see; entries
// of other roles without pg_read_all_stats have a NULL queryid and are
// counted in hidden. capHint sizes the result (the last run's count), and
// names shares the database and role names, which repeat on every row.
func readStatements(ctx context.Context, conn *pgx.Conn, version, capHint int, names *interner) (rows []stmtRow, hidden int, err error) {
	res, err := conn.Query(ctx, statementsSQL(version))
	if err != nil {
		return nil, 0, classifyStatementsErr(err)
	}
	defer res.Close()
	rows = make([]stmtRow, 0, capHint)
	// Outside the loop: Scan takes pointers into them, which moves them to
	// the heap.
	var r stmtRow
	var qid pgtype.Int8
	var datname, rolname pgtype.DriverBytes
	c := &r.c
	for res.Next() {
		if err := res.Scan(&r.key.userid, &r.key.dbid, &qid, &r.key.toplevel, &datname, &rolname,
			&c.calls, &c.execMS, &c.planMS, &c.rows, &c.sharedHit, &c.sharedRead, &c.sharedDirtied, &c.sharedWritten,
			&c.localHit, &c.localRead, &c.tempRead, &c.tempWritten, &c.walBytes); err != nil {
			return nil, 0, fmt.Errorf("pg_stat_statements: %w", err)
		}
		if !qid.Valid {
			hidden++
			continue
		}
		r.key.queryid = qid.Int64
		r.datname, r.rolname = names.str(datname), names.str(rolname)
		rows = append(rows, r)
	}
	if err := res.Err(); err != nil {
		return nil, 0, classifyStatementsErr(err)
	}
	return rows, hidden, nil
}

// classifyStatementsErr turns "not installed / not loaded / not allowed"
// into a DisabledError that names the fix.
func classifyStatementsErr(err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "42P01", "42883": // undefined_table / undefined_function
			return scrape.Disabled("pg_stat_statements extension is not installed in the scraper's database",
				"add pg_stat_statements to shared_preload_libraries, restart PostgreSQL, then run CREATE EXTENSION pg_stat_statements")
		case "55000": // object_not_in_prerequisite_state: not preloaded
			return scrape.Disabled("pg_stat_statements is installed but not loaded",
				"add pg_stat_statements to shared_preload_libraries and restart PostgreSQL")
		case "42501": // insufficient_privilege
			return scrape.Disabled("the scraper's role may not read pg_stat_statements",
				"GRANT pg_monitor TO <scraper role>")
		}
	}
	return fmt.Errorf("pg_stat_statements: %w", err)
}

// readInfo returns pg_stat_statements_info (14+; zero values before).
func readInfo(ctx context.Context, conn *pgx.Conn, version int) (dealloc int64, reset time.Time, err error) {
	if version < 140000 {
		return 0, time.Time{}, nil
	}
	if err := conn.QueryRow(ctx, sqlStatementsInfo).Scan(&dealloc, &reset); err != nil {
		return 0, time.Time{}, classifyStatementsErr(err)
	}
	return dealloc, reset, nil
}

// readTexts fetches the texts of keys and hands each to fn as it is read,
// so a baseline's thousands of raw texts are never all held at once.
func readTexts(ctx context.Context, conn *pgx.Conn, version int, keys []stmtKey, fn func(stmtKey, string)) error {
	ids := make([]int64, 0, len(keys))
	want := make(map[stmtKey]bool, len(keys))
	for _, k := range keys {
		ids = append(ids, k.queryid)
		want[k] = true
	}
	res, err := conn.Query(ctx, textsSQL(version), ids)
	if err != nil {
		return fmt.Errorf("pg_stat_statements texts: %w", err)
	}
	var k stmtKey
	var text string
	_, err = pgx.ForEachRow(res, []any{&k.userid, &k.dbid, &k.queryid, &k.toplevel, &text}, func() error {
		if want[k] {
			fn(k, text)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("pg_stat_statements texts: %w", err)
	}
	return nil
}
