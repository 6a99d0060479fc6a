package postgres

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/jackc/pgx/v5"

	"github.com/dbintel/dbintel/internal/config"
	"github.com/dbintel/dbintel/pkg/sqlmask"
)

// ApplicationName marks the scraper's sessions so it can leave itself out of
// what it reports, and so a DBA sees who is connected.
const ApplicationName = "dbintel-scraper"

// ownMarker starts every SQL text the scraper sends, so a DBA reading
// pg_stat_statements or the server log sees whose statement it is. It is
// not enough to recognise them (see ownStatements).
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

	role atomic.Int64 // OID of the session's role; read inside Do, so not under mu
}

// newConnConfig parses dsn and pins the session settings every query runs
// under: a server-side statement_timeout and lock_timeout, read-only
// transactions, and the application name.
func newConnConfig(dsn string, queryTimeout time.Duration) (*pgx.ConnConfig, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		// pgx errors can echo the DSN, password included: keep the reason only.
		return nil, fmt.Errorf("postgres: dsn is not a valid libpq connection string or URL: %s", config.DSNReason(err, dsn))
	}
	ms := strconv.FormatInt(queryTimeout.Milliseconds(), 10)
	cfg.RuntimeParams["application_name"] = ApplicationName
	cfg.RuntimeParams["statement_timeout"] = ms
	cfg.RuntimeParams["lock_timeout"] = ms
	cfg.RuntimeParams["idle_in_transaction_session_timeout"] = ms
	cfg.RuntimeParams["default_transaction_read_only"] = "on"
	cfg.ConnectTimeout = queryTimeout
	cfg.Tracer = newOwnStatements() // shared by the copies dbPool makes
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
		var role int64
		if err := conn.QueryRow(ctx, ownMarker+"SELECT oid::int8 FROM pg_roles WHERE rolname = current_user").Scan(&role); err == nil {
			c.role.Store(role)
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

// isOwn reports whether the pg_stat_statements entry of role userid with
// this text is one of the scraper's statements.
func (c *Conn) isOwn(userid int64, text string) bool {
	if strings.Contains(text, strings.TrimSpace(ownMarker)) {
		return true
	}
	own, ok := c.cfg.Tracer.(*ownStatements)
	return ok && userid == c.role.Load() && own.known(text)
}

// ownStatements recognises the scraper's statements in pg_stat_statements
// on every version. The marker comment is not enough: PostgreSQL 18 stores
// a statement's text from its first token (a leading comment is gone), and
// every version keeps the text of whichever session ran a statement first.
// So the scraper remembers each statement it sends, normalised the way
// pg_stat_statements normalises (comments dropped, literals and $n alike),
// and an entry is its own when it belongs to the scraper's role and its
// normalised text is one of those. The role condition keeps a user's
// identical statement (a ROLLBACK) visible under any other role; under the
// scraper's own role pg_stat_statements has one entry for both anyway. With
// a dedicated monitoring role nothing of the users' is left out.
type ownStatements struct {
	raw  *lru.Cache[string, string]   // SQL as sent -> normalised
	norm *lru.Cache[string, struct{}] // normalised forms recently sent
}

// maxOwnStatements bounds both caches: the scraper's fixed SQL is about 40
// statements; EXPLAINs add one per explained statement, and the fixed ones,
// sent every interval, stay the most recent.
const maxOwnStatements = 2000

func newOwnStatements() *ownStatements {
	o := &ownStatements{}
	o.raw, _ = lru.New[string, string](maxOwnStatements)
	o.norm, _ = lru.New[string, struct{}](maxOwnStatements)
	return o
}

// note records a statement about to be sent.
func (o *ownStatements) note(sql string) {
	n, ok := o.raw.Get(sql)
	if !ok {
		n = normaliseSQL(sql)
		o.raw.Add(sql, n)
	}
	o.norm.Add(n, struct{}{})
}

func (o *ownStatements) known(text string) bool { return o.norm.Contains(normaliseSQL(text)) }

// Constants pg_stat_statements replaces by $n that the obfuscator does not
// see as literals: keywords the grammar turns into constants.
var (
	keywordConstRe = regexp.MustCompile(`(?i)\b(null|true|false)\b`)
	extractFieldRe = regexp.MustCompile(`(?i)\bextract\s*\(\s*[a-z_0-9]+\s+from\b`)
)

// normaliseSQL maps a statement as sent and as pg_stat_statements stores it
// to the same string: every constant, $n included, becomes a literal before
// obfuscation, so "f(NULL, 'b')" and "f($1, $2)" both read "f ( ? )".
func normaliseSQL(sql string) string {
	sql = paramRe.ReplaceAllString(sql, "0")
	sql = keywordConstRe.ReplaceAllString(sql, "0")
	sql = extractFieldRe.ReplaceAllString(sql, "EXTRACT(0 FROM")
	out, _ := sqlmask.Obfuscate(sql, sqlmask.Dialect("postgresql"))
	return out
}

// TraceQueryStart implements pgx.QueryTracer: every Query, QueryRow and
// Exec of the scraper passes here.
func (o *ownStatements) TraceQueryStart(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryStartData) context.Context {
	o.note(data.SQL)
	return ctx
}

// TraceQueryEnd implements pgx.QueryTracer.
func (o *ownStatements) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// noteOwn records a statement sent past pgx's tracer (PgConn().Exec).
func noteOwn(conn *pgx.Conn, sql string) {
	if o, ok := conn.Config().Tracer.(*ownStatements); ok {
		o.note(sql)
	}
}
