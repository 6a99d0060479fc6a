package mysql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/go-sql-driver/mysql"

	"github.com/dbintel/dbintel/pkg/scrape"
)

func asMySQLError(err error, target **mysql.MySQLError) bool { return errors.As(err, target) }

// psOffFix is the config line that turns performance_schema on; it cannot
// be switched on at runtime.
const psOffFix = "set performance_schema=ON under [mysqld] in the server configuration and restart the server"

// consumerChain lists the consumers a reader needs, outermost first: a
// consumer only records when every consumer above it is on too.
var (
	digestConsumers  = []string{"global_instrumentation", "thread_instrumentation", "statements_digest"}
	currentConsumers = []string{"global_instrumentation", "thread_instrumentation", "events_statements_current"}
)

// checkConsumers returns a DisabledError naming the exact UPDATE that turns
// on the consumers in need which are off (and the config line that keeps
// them on across restarts), or nil.
func checkConsumers(ctx context.Context, conn *sql.Conn, info serverInfo, need []string, what string) error {
	if !info.ps {
		return scrape.Disabled("performance_schema is OFF, so "+what+" cannot be read", psOffFix)
	}
	off, err := disabledConsumers(ctx, conn, need)
	if err != nil {
		return err
	}
	if len(off) == 0 {
		return nil
	}
	return scrape.Disabled(fmt.Sprintf("performance_schema consumers %s are disabled, so %s cannot be read", strings.Join(off, ", "), what),
		consumerFix(off))
}

func disabledConsumers(ctx context.Context, conn *sql.Conn, need []string) ([]string, error) {
	rows, err := conn.QueryContext(ctx, "SELECT NAME, ENABLED FROM performance_schema.setup_consumers")
	if err != nil {
		return nil, classifyPSErr(err)
	}
	defer rows.Close()
	enabled := map[string]bool{}
	for rows.Next() {
		var name, on string
		if err := rows.Scan(&name, &on); err != nil {
			return nil, fmt.Errorf("setup_consumers: %w", err)
		}
		enabled[name] = on == "YES"
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("setup_consumers: %w", err)
	}
	var off []string
	for _, n := range need {
		if !enabled[n] {
			off = append(off, n)
		}
	}
	return off, nil
}

// consumerFix is the statement (and the my.cnf lines for restarts).
func consumerFix(off []string) string {
	quoted := make([]string, len(off))
	flags := make([]string, len(off))
	for i, n := range off {
		quoted[i] = "'" + n + "'"
		flags[i] = "performance-schema-consumer-" + strings.ReplaceAll(n, "_", "-") + "=ON"
	}
	return fmt.Sprintf("UPDATE performance_schema.setup_consumers SET ENABLED = 'YES' WHERE NAME IN (%s); and to keep it after a restart add under [mysqld]: %s",
		strings.Join(quoted, ", "), strings.Join(flags, ", "))
}

// statementInstrumentsOff counts the disabled statement instruments; when
// all are off, nothing reaches the digests whatever the consumers say.
func statementInstrumentsOff(ctx context.Context, conn *sql.Conn) (off, total int, err error) {
	err = conn.QueryRowContext(ctx, `SELECT COALESCE(SUM(ENABLED = 'NO'), 0), COUNT(*)
FROM performance_schema.setup_instruments WHERE NAME LIKE 'statement/%'`).Scan(&off, &total)
	if err != nil {
		return 0, 0, classifyPSErr(err)
	}
	return off, total, nil
}

// instrumentFix enables the statement instruments.
const instrumentFix = "UPDATE performance_schema.setup_instruments SET ENABLED = 'YES', TIMED = 'YES' WHERE NAME LIKE 'statement/%'; and to keep it after a restart add under [mysqld]: performance-schema-instrument='statement/%=ON'"
