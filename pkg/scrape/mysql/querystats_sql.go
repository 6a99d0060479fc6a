package mysql

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/dbintel/dbintel/pkg/scrape"
)

// sqlDigests reads counters only: DIGEST_TEXT (up to
// performance_schema_max_digest_length bytes a row) is fetched separately,
// for digests never seen.
const sqlDigests = `SELECT COALESCE(SCHEMA_NAME, ''), DIGEST, COUNT_STAR, SUM_TIMER_WAIT, SUM_LOCK_TIME,
  SUM_ERRORS, SUM_WARNINGS, SUM_ROWS_AFFECTED, SUM_ROWS_SENT, SUM_ROWS_EXAMINED,
  SUM_CREATED_TMP_DISK_TABLES, SUM_CREATED_TMP_TABLES, SUM_SELECT_FULL_JOIN, SUM_SELECT_SCAN,
  SUM_SORT_MERGE_PASSES, SUM_SORT_ROWS, SUM_NO_INDEX_USED, SUM_NO_GOOD_INDEX_USED, FIRST_SEEN
FROM performance_schema.events_statements_summary_by_digest
WHERE DIGEST IS NOT NULL`

// sqlDigestTexts fetches the texts of some digests (placeholders appended).
const sqlDigestTexts = `SELECT COALESCE(SCHEMA_NAME, ''), DIGEST, COALESCE(DIGEST_TEXT, '')
FROM performance_schema.events_statements_summary_by_digest
WHERE DIGEST IN (%s)`

// maxTextBatch bounds the placeholders of one text query.
const maxTextBatch = 200

// digestKey identifies one digest row.
type digestKey struct{ schema, digest string }

// digestCounters are the cumulative counters of a row; timers in
// picoseconds as performance_schema reports them.
type digestCounters struct {
	calls, timerPS, lockPS               uint64
	errors, warnings                     uint64
	rowsAffected, rowsSent, rowsExamined uint64
	tmpDiskTables, tmpTables             uint64
	fullJoins, selectScans               uint64
	sortMergePasses, sortRows            uint64
	noIndexUsed, noGoodIndexUsed         uint64
}

type digestRow struct {
	key       digestKey
	c         digestCounters
	firstSeen time.Time
}

func readDigests(ctx context.Context, conn *sql.Conn) ([]digestRow, error) {
	rows, err := conn.QueryContext(ctx, sqlDigests)
	if err != nil {
		return nil, classifyPSErr(err)
	}
	defer rows.Close()
	var out []digestRow
	for rows.Next() {
		var r digestRow
		c := &r.c
		if err := rows.Scan(&r.key.schema, &r.key.digest, &c.calls, &c.timerPS, &c.lockPS, &c.errors, &c.warnings,
			&c.rowsAffected, &c.rowsSent, &c.rowsExamined, &c.tmpDiskTables, &c.tmpTables, &c.fullJoins, &c.selectScans,
			&c.sortMergePasses, &c.sortRows, &c.noIndexUsed, &c.noGoodIndexUsed, &r.firstSeen); err != nil {
			return nil, fmt.Errorf("events_statements_summary_by_digest: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("events_statements_summary_by_digest: %w", err)
	}
	return out, nil
}

// readDigestTexts returns the raw digest texts of keys.
func readDigestTexts(ctx context.Context, conn *sql.Conn, keys []digestKey) (map[digestKey]string, error) {
	want := make(map[digestKey]bool, len(keys))
	for _, k := range keys {
		want[k] = true
	}
	out := make(map[digestKey]string, len(keys))
	for len(keys) > 0 {
		n := min(len(keys), maxTextBatch)
		batch := keys[:n]
		keys = keys[n:]
		args := make([]any, 0, n)
		seen := map[string]bool{}
		for _, k := range batch {
			if !seen[k.digest] {
				seen[k.digest] = true
				args = append(args, k.digest)
			}
		}
		q := fmt.Sprintf(sqlDigestTexts, strings.TrimSuffix(strings.Repeat("?,", len(args)), ","))
		rows, err := conn.QueryContext(ctx, q, args...)
		if err != nil {
			return nil, fmt.Errorf("digest texts: %w", err)
		}
		for rows.Next() {
			var k digestKey
			var text string
			if err := rows.Scan(&k.schema, &k.digest, &text); err != nil {
				rows.Close()
				return nil, fmt.Errorf("digest texts: %w", err)
			}
			if want[k] {
				out[k] = text
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("digest texts: %w", err)
		}
	}
	return out, nil
}

// classifyPSErr turns "performance_schema off / not readable" into a
// DisabledError that names the fix.
func classifyPSErr(err error) error {
	var me *mysql.MySQLError
	if asMySQLError(err, &me) {
		switch me.Number {
		case 1142, 1143, 1044: // table/column/database access denied
			return scrape.Disabled("the scraper's user may not read performance_schema",
				"GRANT SELECT ON performance_schema.* TO <scraper user>")
		case 1146: // no such table
			return scrape.Disabled("performance_schema tables are missing",
				"run mysql_upgrade (mariadb-upgrade) so the performance_schema tables exist")
		}
	}
	return fmt.Errorf("performance_schema: %w", err)
}
