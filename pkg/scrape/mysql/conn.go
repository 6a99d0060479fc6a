package mysql

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/dbintel/dbintel/internal/config"
	"github.com/dbintel/dbintel/pkg/contract"
	"github.com/dbintel/dbintel/pkg/scrape"
)

// ProgramName is the connect attribute (program_name) the scraper sends, so
// a DBA sees who is connected in session_connect_attrs.
const ProgramName = "dbintel-scraper"

// serverInfo describes the server behind the current connection.
type serverInfo struct {
	mariadb bool
	version int   // major*10000 + minor*100 + patch
	ownID   int64 // CONNECTION_ID() of the scraper's session
	ps      bool  // performance_schema is ON
}

func (s serverInfo) system() string {
	if s.mariadb {
		return contract.SystemMariaDB
	}
	return contract.SystemMySQL
}

// Conn is the one connection the scraper keeps to a server. Collectors run
// in their own goroutines, so Do serialises them; a broken connection is
// dropped and re-established (with its session settings) on the next call.
type Conn struct {
	db      *sql.DB
	timeout time.Duration
	log     *slog.Logger

	mu   sync.Mutex
	c    *sql.Conn
	info serverInfo
}

// parseDSN parses dsn and pins what every connection gets: timeouts, the
// connect attribute, and no multi-statements (one statement per call).
func parseDSN(dsn string, timeout time.Duration) (*mysql.Config, error) {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		// Driver errors can echo the DSN, password included: keep the reason only.
		return nil, fmt.Errorf("mysql: dsn is not a valid go-sql-driver/mysql DSN (user:pass@tcp(host:3306)/): %s", config.DSNReason(err, dsn))
	}
	cfg.Timeout, cfg.ReadTimeout, cfg.WriteTimeout = timeout, timeout+time.Second, timeout
	cfg.MultiStatements = false
	cfg.ParseTime = true
	cfg.ConnectionAttributes = "program_name:" + ProgramName
	return cfg, nil
}

func newConn(cfg *mysql.Config, timeout time.Duration, log *slog.Logger) (*Conn, error) {
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, fmt.Errorf("mysql: connector: %w", err)
	}
	db := sql.OpenDB(connector)
	// One connection per server, kept open: the scraper must never add
	// load by opening many.
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	return &Conn{db: db, timeout: timeout, log: log}, nil
}

// Do runs fn with the connection, connecting first if needed.
func (c *Conn) Do(ctx context.Context, fn func(ctx context.Context, conn *sql.Conn, info serverInfo) error) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.c == nil {
		conn, err := c.db.Conn(ctx)
		if err != nil {
			return fmt.Errorf("connect: %w", err)
		}
		info, err := c.setup(ctx, conn)
		if err != nil {
			discard(conn)
			return fmt.Errorf("session setup: %w", err)
		}
		c.c, c.info = conn, info
	}
	err := fn(ctx, c.c, c.info)
	if err != nil && broken(err) {
		c.drop()
	}
	return err
}

// setup identifies the server and pins the session: a server-side time
// limit on every statement, a short metadata-lock wait, and the scraper's
// own thread taken out of performance_schema so its queries never show up
// in the statistics it reports.
func (c *Conn) setup(ctx context.Context, conn *sql.Conn) (serverInfo, error) {
	var info serverInfo
	var version, ps string
	if err := conn.QueryRowContext(ctx, "SELECT VERSION(), CONNECTION_ID(), @@performance_schema").Scan(&version, &info.ownID, &ps); err != nil {
		return info, fmt.Errorf("server version: %w", err)
	}
	info.mariadb = strings.Contains(strings.ToLower(version), "mariadb")
	info.version = parseVersion(version)
	info.ps = ps == "1" || strings.EqualFold(ps, "ON")
	secs := c.timeout.Seconds()
	stmts := []string{fmt.Sprintf("SET SESSION lock_wait_timeout = %d", max(1, int(secs)))}
	switch {
	case info.mariadb:
		stmts = append(stmts, "SET SESSION max_statement_time = "+strconv.FormatFloat(secs, 'f', 3, 64))
	case info.version >= 50708: // MySQL: SELECT statements only
		stmts = append(stmts, "SET SESSION max_execution_time = "+strconv.FormatInt(c.timeout.Milliseconds(), 10))
	}
	for _, s := range stmts {
		if _, err := conn.ExecContext(ctx, s); err != nil {
			return info, fmt.Errorf("%s: %w", s, err)
		}
	}
	if info.ps {
		// Needs UPDATE on performance_schema.threads; without it the
		// scraper's statements stay instrumented and show in the digests.
		if _, err := conn.ExecContext(ctx, "UPDATE performance_schema.threads SET INSTRUMENTED = 'NO' WHERE PROCESSLIST_ID = CONNECTION_ID()"); err != nil {
			c.log.Warn("cannot exclude the scraper's own session from performance_schema; its queries will appear in query statistics",
				"error", err, "fix", "GRANT UPDATE ON performance_schema.threads TO <scraper user>")
		}
	}
	return info, nil
}

// parseVersion turns "10.11.14-MariaDB-0+deb12u2" or "8.0.36" into 101114
// or 80036.
func parseVersion(v string) int {
	if i := strings.IndexAny(v, "-+ "); i >= 0 {
		v = v[:i]
	}
	out := 0
	parts := strings.SplitN(v, ".", 3)
	for i := range 3 {
		n := 0
		if i < len(parts) {
			n, _ = strconv.Atoi(parts[i])
		}
		out = out*100 + n
	}
	return out
}

// broken reports whether err leaves the connection unusable: anything but
// an error the server answered with (a timeout or a missing privilege
// keeps the session fine).
func broken(err error) bool {
	var me *mysql.MySQLError
	return !errors.As(err, &me) && !scrape.IsDisabled(err)
}

func (c *Conn) drop() {
	if c.c != nil {
		discard(c.c)
		c.c = nil
	}
}

// discard closes conn so that database/sql throws it away instead of
// pooling it: Raw returning driver.ErrBadConn does exactly that.
func discard(conn *sql.Conn) {
	_ = conn.Raw(func(any) error { return driver.ErrBadConn })
	_ = conn.Close()
}

// Close closes the connection.
func (c *Conn) Close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.c != nil {
		c.c.Close()
		c.c = nil
	}
	c.db.Close()
}
