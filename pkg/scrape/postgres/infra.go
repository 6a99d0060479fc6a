package postgres

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dbintel/dbintel/pkg/pipeline"
	"github.com/dbintel/dbintel/pkg/scrape"
)

// maxInfraSeries bounds the delta table of infrastructure counters (per
// database and per table series); beyond it new series are not emitted.
const maxInfraSeries = 50_000

// infraCollector reads the infrastructure metrics.
type infraCollector struct {
	target   scrape.Target
	conn     *Conn
	interval time.Duration
	deltas   *scrape.Deltas
	log      *slog.Logger
}

func (c *infraCollector) Name() string            { return "postgresql.metrics" }
func (c *infraCollector) Interval() time.Duration { return c.interval }
func (c *infraCollector) NeedsBaseline() bool     { return true }

func (c *infraCollector) Collect(ctx context.Context, now time.Time) (pipeline.Batch, error) {
	mb := scrape.NewMetricsBuilder(c.target, scopeName)
	err := c.conn.Do(ctx, func(ctx context.Context, conn *pgx.Conn, version int) error {
		rows, err := queryDatabaseStats(ctx, conn)
		if err != nil {
			return err
		}
		emitDatabaseStats(mb, c.deltas, rows, now)
		var maxConn int64
		if err := conn.QueryRow(ctx, ownMarker+"SELECT current_setting('max_connections')::bigint").Scan(&maxConn); err != nil {
			return fmt.Errorf("max_connections: %w", err)
		}
		mb.Int(mConnMax.MetricDef, time.Time{}, now, maxConn)
		return nil
	})
	c.deltas.Sweep()
	if err != nil {
		return pipeline.Batch{}, fmt.Errorf("scrape %s: metrics: %w", c.target.Name(), err)
	}
	return scrape.Batch(mb, nil), nil
}
