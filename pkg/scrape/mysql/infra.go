package mysql

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/dbintel/dbintel/pkg/pipeline"
	"github.com/dbintel/dbintel/pkg/scrape"
)

// maxInfraSeries bounds the delta table of infrastructure counters (status
// counters plus per-table and per-index I/O series); beyond it new series
// are not emitted.
const maxInfraSeries = 50_000

// maxIOWaitRows bounds the tables and indexes whose I/O waits are read per
// scrape (the busiest first).
const maxIOWaitRows = 500

// infraCollector reads the infrastructure metrics.
type infraCollector struct {
	target   scrape.Target
	conn     *Conn
	interval time.Duration
	deltas   *scrape.Deltas
	log      *slog.Logger
	m        *selfMetrics

	warnedReplica bool
	tablesAt      time.Time // last information_schema.TABLES read
}

func (c *infraCollector) Name() string            { return "mysql.metrics" }
func (c *infraCollector) Interval() time.Duration { return c.interval }

// NeedsBaseline: only delta counters need a first sample to subtract from.
func (c *infraCollector) NeedsBaseline() bool { return c.target.Temporality == scrape.Delta }

func (c *infraCollector) Collect(ctx context.Context, now time.Time) (pipeline.Batch, error) {
	var mb *scrape.MetricsBuilder
	err := c.conn.Do(ctx, func(ctx context.Context, conn *sql.Conn, info serverInfo) error {
		mb = scrape.NewMetricsBuilder(withSystem(c.target, info), scopeName)
		status, err := showGlobalStatus(ctx, conn)
		if err != nil {
			return err
		}
		var poolSize int64
		if err := conn.QueryRowContext(ctx, "SELECT @@innodb_buffer_pool_size").Scan(&poolSize); err != nil {
			return fmt.Errorf("innodb_buffer_pool_size: %w", err)
		}
		emitStatus(mb, c.deltas, status, poolSize, now)
		replica, err := replicaStatus(ctx, conn, info)
		if err != nil {
			// A missing privilege only costs the replica metrics: say so
			// once, keep the rest.
			if !c.warnedReplica {
				c.warnedReplica = true
				c.log.Warn("cannot read replica status; replica metrics are missing", "error", err,
					"fix", "GRANT REPLICATION CLIENT ON *.* TO <scraper user> (MariaDB 10.5+: GRANT SLAVE MONITOR)")
			}
		} else {
			emitReplica(mb, replica, now)
		}
		if info.ps {
			rows, err := readIOWaits(ctx, conn)
			if err != nil {
				return err
			}
			emitIOWaits(mb, c.deltas, rows, now)
			locks, err := readTableLockWaits(ctx, conn)
			if err != nil {
				return err
			}
			emitTableLockWaits(mb, locks, now)
		}
		if now.Sub(c.tablesAt) >= tableStatsEvery {
			tables, err := readTableStats(ctx, conn)
			if err != nil {
				return err
			}
			c.tablesAt = now
			emitTableStats(mb, tables, now)
		}
		return nil
	})
	c.deltas.Sweep()
	c.m.infraDropped.Set(float64(c.deltas.Dropped))
	if err != nil {
		return pipeline.Batch{}, fmt.Errorf("scrape %s: metrics: %w", c.target.Name(), err)
	}
	return scrape.Batch(mb, nil), nil
}

func showGlobalStatus(ctx context.Context, conn *sql.Conn) (map[string]string, error) {
	rows, err := conn.QueryContext(ctx, "SHOW GLOBAL STATUS")
	if err != nil {
		return nil, fmt.Errorf("show global status: %w", err)
	}
	defer rows.Close()
	out := make(map[string]string, 600)
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, fmt.Errorf("show global status: %w", err)
		}
		out[k] = v
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("show global status: %w", err)
	}
	return out, nil
}

// emitStatus maps SHOW GLOBAL STATUS to metrics; counters go through d
// (cumulative values, or deltas whose first call only records baselines).
// Variables the server does not have (MariaDB lacks some of MySQL's and
// vice versa) are left out.
func emitStatus(mb *scrape.MetricsBuilder, d *scrape.Deltas, status map[string]string, poolSize int64, now time.Time) {
	for _, sc := range statusCounters {
		v, ok := statusInt(status, sc.variable)
		if !ok {
			continue
		}
		if val, start, ok := d.Observe(sc.variable, float64(v), now); ok {
			mb.Int(sc.metric, start, now, int64(val), attrs(sc.key, sc.val)...)
		}
	}
	for _, g := range statusGauges {
		if v, ok := statusInt(status, g.variable); ok {
			mb.Int(g.metric, time.Time{}, now, v, attrs(g.key, g.val)...)
		}
	}
	data, okData := statusInt(status, "Innodb_buffer_pool_pages_data")
	dirty, okDirty := statusInt(status, "Innodb_buffer_pool_pages_dirty")
	if okData && okDirty {
		mb.Int(mBufPoolDataPages, time.Time{}, now, data-dirty, "status", "clean")
	}
	bData, okData := statusInt(status, "Innodb_buffer_pool_bytes_data")
	bDirty, okDirty := statusInt(status, "Innodb_buffer_pool_bytes_dirty")
	if okData && okDirty {
		mb.Int(mBufPoolUsage, time.Time{}, now, bData-bDirty, "status", "clean")
	}
	mb.Int(mBufPoolLimit, time.Time{}, now, poolSize)
}

func statusInt(status map[string]string, k string) (int64, bool) {
	s, ok := status[k]
	if !ok {
		return 0, false
	}
	v, err := strconv.ParseInt(s, 10, 64)
	return v, err == nil
}

func attrs(k, v string) []string {
	if k == "" {
		return nil
	}
	return []string{k, v}
}
