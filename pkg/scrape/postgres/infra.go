package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/dbintel/dbintel/pkg/pipeline"
	"github.com/dbintel/dbintel/pkg/scrape"
)

// maxInfraSeries bounds the delta table of infrastructure counters; beyond
// it new series are not emitted.
const maxInfraSeries = 50_000

// infraCollector reads the server- and database-level metrics.
type infraCollector struct {
	target   scrape.Target
	conn     *Conn
	interval time.Duration
	enabled  map[string]bool
	deltas   *scrape.Deltas
	ratios   *scrape.Deltas // created on first use
	log      *slog.Logger
	failing  map[string]bool // sections whose failure was logged
}

func (c *infraCollector) Name() string            { return "postgresql.metrics" }
func (c *infraCollector) Interval() time.Duration { return c.interval }
func (c *infraCollector) NeedsBaseline() bool     { return c.target.Temporality == scrape.Delta }

func (c *infraCollector) Collect(ctx context.Context, now time.Time) (pipeline.Batch, error) {
	if c.ratios == nil {
		c.ratios = scrape.NewDeltas(maxRatioSeries)
	}
	mb := scrape.NewMetricsBuilder(c.target, scopeName)
	e := &emitter{mb: mb, deltas: c.deltas, ratios: c.ratios, now: now, enabled: c.enabled}
	err := c.conn.Do(ctx, func(ctx context.Context, conn *pgx.Conn, version int) error {
		rows, err := queryDatabaseStats(ctx, conn)
		if err != nil {
			return err
		}
		emitDatabaseStats(e, rows)
		var maxConn int64
		if err := conn.QueryRow(ctx, ownMarker+"SELECT current_setting('max_connections')::bigint").Scan(&maxConn); err != nil {
			return fmt.Errorf("max_connections: %w", err)
		}
		e.value(mConnMax, maxConn)
		for _, s := range serverSections {
			if version < s.minVersion || !anyEnabled(e, s.metrics) {
				continue
			}
			if err := s.run(ctx, conn, version, e); err != nil {
				if !isServerAnswer(err) {
					return fmt.Errorf("%s: %w", s.name, err) // connection trouble: the breaker's business
				}
				c.sectionFailed(s.name, err)
				continue
			}
			delete(c.failing, s.name)
		}
		return nil
	})
	c.deltas.Sweep()
	c.ratios.Sweep()
	if err != nil {
		return pipeline.Batch{}, fmt.Errorf("scrape %s: metrics: %w", c.target.Name(), err)
	}
	return scrape.Batch(mb, nil), nil
}

// sectionFailed logs a section's failure once until it works again: a
// missing privilege on one view should not flood the log every 10 s.
func (c *infraCollector) sectionFailed(name string, err error) {
	if c.failing[name] {
		return
	}
	c.failing[name] = true
	c.log.Warn("postgres metrics section failed; its metrics are skipped", "section", name, "error", err,
		"fix", "GRANT pg_monitor TO <scraper role>")
}

func anyEnabled(e *emitter, defs []*def) bool {
	for _, d := range defs {
		if e.on(d) {
			return true
		}
	}
	return false
}

// isServerAnswer reports whether err is an error PostgreSQL returned (the
// session is fine), as opposed to a broken connection.
func isServerAnswer(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr)
}
