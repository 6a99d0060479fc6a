package postgres

import (
	"context"
	"log/slog"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/jackc/pgx/v5"
)

// dbPool holds connections to other databases of the server, for the views
// PostgreSQL only shows per database (pg_stat_user_tables, ...). It keeps
// at most max open; the least recently used one is closed to make room.
// The main connection serves its own database.
type dbPool struct {
	main  *Conn
	base  *pgx.ConnConfig
	log   *slog.Logger
	conns *lru.Cache[string, *Conn]
}

func newDBPool(main *Conn, base *pgx.ConnConfig, max int, log *slog.Logger) *dbPool {
	p := &dbPool{main: main, base: base, log: log}
	p.conns, _ = lru.NewWithEvict(max, func(_ string, c *Conn) { c.Close() })
	return p
}

// conn returns the connection for database db.
func (p *dbPool) conn(db string) *Conn {
	if db == p.base.Database {
		return p.main
	}
	if c, ok := p.conns.Get(db); ok {
		return c
	}
	cfg := p.base.Copy()
	cfg.Database = db
	c := newConn(cfg, p.log)
	p.conns.Add(db, c)
	return c
}

// Close closes every pooled connection.
func (p *dbPool) Close() { p.conns.Purge() }

// databases lists the databases the scraper may connect to, filtered by
// the include/exclude lists.
func databases(ctx context.Context, c *Conn, cfg DatabasesConfig) ([]string, error) {
	var out []string
	err := c.Do(ctx, func(ctx context.Context, conn *pgx.Conn, _ int) error {
		rows, _ := conn.Query(ctx, ownMarker+`SELECT datname FROM pg_database
WHERE datallowconn AND NOT datistemplate AND has_database_privilege(datname, 'CONNECT') ORDER BY datname`)
		names, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return err
		}
		for _, n := range names {
			if cfg.allowed(n) {
				out = append(out, n)
			}
		}
		return nil
	})
	return out, err
}
