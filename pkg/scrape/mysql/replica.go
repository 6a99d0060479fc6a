package mysql

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"time"

	"github.com/dbintel/dbintel/pkg/scrape"
)

// replicaRow is the part of SHOW REPLICA STATUS the metrics use; one row
// per replication channel (MariaDB multi-source: per connection).
type replicaRow struct {
	channel           string
	behind            *int64 // NULL when the SQL thread is not running
	sqlDelay          int64
	ioRun, sqlRunning bool
}

// replicaStatusSQL is SHOW ALL SLAVES STATUS on MariaDB (every named
// connection of multi-source replication; valid on every 10.x), SHOW
// REPLICA STATUS on MySQL 8.0.22+ and SHOW SLAVE STATUS before.
func replicaStatusSQL(info serverInfo) string {
	switch {
	case info.mariadb:
		return "SHOW ALL SLAVES STATUS"
	case info.version >= 80022:
		return "SHOW REPLICA STATUS"
	}
	return "SHOW SLAVE STATUS"
}

// replicaStatus reads the replica status; no rows on a primary.
func replicaStatus(ctx context.Context, conn *sql.Conn, info serverInfo) ([]replicaRow, error) {
	q := replicaStatusSQL(info)
	rows, err := conn.QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", q, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", q, err)
	}
	var out []replicaRow
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, fmt.Errorf("%s: %w", q, err)
		}
		out = append(out, parseReplicaRow(cols, vals))
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", q, err)
	}
	return out, nil
}

// parseReplicaRow reads the columns under both their old (Slave/Master)
// and new (Replica/Source) names.
func parseReplicaRow(cols []string, vals []sql.NullString) replicaRow {
	var r replicaRow
	for i, c := range cols {
		v := vals[i]
		switch c {
		case "Channel_Name", "Connection_name":
			r.channel = v.String
		case "Seconds_Behind_Master", "Seconds_Behind_Source":
			if n, err := strconv.ParseInt(v.String, 10, 64); v.Valid && err == nil {
				r.behind = &n
			}
		case "SQL_Delay":
			r.sqlDelay, _ = strconv.ParseInt(v.String, 10, 64)
		case "Slave_IO_Running", "Replica_IO_Running":
			r.ioRun = v.String == "Yes"
		case "Slave_SQL_Running", "Replica_SQL_Running":
			r.sqlRunning = v.String == "Yes"
		}
	}
	return r
}

func emitReplica(mb *scrape.MetricsBuilder, rows []replicaRow, now time.Time) {
	for _, r := range rows {
		var a []string
		if r.channel != "" {
			a = []string{"channel", r.channel}
		}
		if r.behind != nil {
			mb.Int(mReplicaBehind, time.Time{}, now, *r.behind, a...)
		}
		mb.Int(mReplicaSQLDelay, time.Time{}, now, r.sqlDelay, a...)
		mb.Int(mReplicaIORun, time.Time{}, now, b2i(r.ioRun), a...)
		mb.Int(mReplicaSQLRun, time.Time{}, now, b2i(r.sqlRunning), a...)
	}
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}
