package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// ApplicationName marks the scraper's sessions so it can leave itself out of
// what it reports, and so a DBA sees who is connected.
const ApplicationName = "dbintel-scraper"

// ownMarker starts every SQL text the scraper sends: pg_stat_statements
// keeps comments, which is how the query statistics leave out the
// scraper's own statements.
const ownMarker = "/* dbintel-scraper */ "

// Conn is the one connection the scraper keeps to a server. Collectors run
// in their own goroutines, so Do serialises them; a broken connection is
// dropped and re-established on the next call.
type Conn struct {
	cfg *pgx.ConnConfig
	log *slog.Logger

	mu      sync.Mutex
	c       *pgx.Conn
	version int // server_version_num of the current connection
}

// newConnConfig parses dsn and pins the session settings every query runs
// under: a server-side statement_timeout and lock_timeout, read-only
// transactions, and the application name.
func newConnConfig(dsn string, queryTimeout time.Duration) (*pgx.ConnConfig, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		// pgx errors can echo the DSN, password included.
		return nil, errors.New("postgres: dsn is not a valid libpq connection string or URL")
	}
	ms := strconv.FormatInt(queryTimeout.Milliseconds(), 10)
	cfg.RuntimeParams["application_name"] = ApplicationName
	cfg.RuntimeParams["statement_timeout"] = ms
	cfg.RuntimeParams["lock_timeout"] = ms
	cfg.RuntimeParams["idle_in_transaction_session_timeout"] = ms
	cfg.RuntimeParams["default_transaction_read_only"] = "on"
	cfg.ConnectTimeout = queryTimeout
	return cfg, nil
}

func newConn(cfg *pgx.ConnConfig, log *slog.Logger) *Conn {
	return &Conn{cfg: cfg, log: log}
}

// Do runs fn with the connection, connecting first if needed.
func (c *Conn) Do(ctx context.Context, fn func(ctx context.Context, conn *pgx.Conn, version int) error) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := ctx.Err(); err != nil {
		// The run's time went by waiting for another collector: give up
		// without touching the session.
		return err
	}
	if c.c == nil || c.c.IsClosed() {
		conn, err := pgx.ConnectConfig(ctx, c.cfg)
		if err != nil {
			return fmt.Errorf("connect to %s:%d: %w", c.cfg.Host, c.cfg.Port, err)
		}
		c.c = conn
		c.version, _ = strconv.Atoi(conn.PgConn().ParameterStatus("server_version_num"))
		if c.version == 0 { // older servers do not report it as a parameter
			var v string
			if err := conn.QueryRow(ctx, ownMarker+"SELECT current_setting('server_version_num')").Scan(&v); err == nil {
				c.version, _ = strconv.Atoi(v)
			}
		}
		c.log.Info("connected to PostgreSQL", "database", c.cfg.Database, "server_version_num", c.version)
	}
	err := fn(ctx, c.c, c.version)
	if err != nil && c.c.IsClosed() {
		// pgx closes a connection it can no longer trust (network error,
		// cancelled mid-query); an error the server answered with, such as
		// a timeout or a missing privilege, leaves the session usable.
		c.c = nil
	}
	return err
}

// Close closes the connection.
func (c *Conn) Close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.c != nil {
		c.c.Close(context.Background())
		c.c = nil
	}
}
