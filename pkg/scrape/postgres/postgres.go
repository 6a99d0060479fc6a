// Package postgres collects PostgreSQL infrastructure metrics, query
// statistics, session samples and plans over one connection per server.
package postgres

import (
	"fmt"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dbintel/dbintel/pkg/scrape"
)

// NewTarget derives the scrape target (server.address, server.port, ...)
// from the DSN; labels are the user's extra resource attributes.
func NewTarget(cfg Config, labels map[string]string) (scrape.Target, error) {
	cc, err := newConnConfig(cfg.DSN.Value(), cfg.QueryTimeout)
	if err != nil {
		return scrape.Target{}, err
	}
	return scrape.NewTarget("postgresql", cc.Host, int(cc.Port), labels), nil
}

// NewCollectors builds the collectors for one server, sharing one lazily
// opened connection (the server may be down when the scraper starts).
// Call the returned close function after the scheduler has shut down.
func NewCollectors(cfg Config, target scrape.Target, logger *slog.Logger, reg prometheus.Registerer) ([]scrape.Collector, func(), error) {
	if err := cfg.Validate(); err != nil {
		return nil, nil, fmt.Errorf("postgres: %w", err)
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	cc, err := newConnConfig(cfg.DSN.Value(), cfg.QueryTimeout)
	if err != nil {
		return nil, nil, err
	}
	logger = logger.With("target", target.Name())
	conn := newConn(cc, logger)
	cols := []scrape.Collector{
		&infraCollector{target: target, conn: conn, interval: cfg.CollectionInterval, deltas: newCounters(target, maxInfraSeries), log: logger,
			enabled: enabledMetrics(cfg.Metrics), failing: map[string]bool{}},
	}
	m := newPGMetrics(reg)
	pool := newDBPool(conn, cc, cfg.Databases.MaxConnections, logger)
	cols = append(cols, &tablesCollector{target: target, main: conn, pool: pool, cfg: cfg.Databases, interval: cfg.Databases.CollectionInterval,
		enabled: enabledMetrics(cfg.Metrics), deltas: newCounters(target, maxInfraSeries), log: logger})
	if cfg.QueryStats.Enabled {
		cols = append(cols, newQueryStats(target, conn, cfg.QueryStats, logger, m))
	}
	if cfg.Sessions.Enabled {
		cols = append(cols, newSessions(target, conn, cfg.Sessions, m, logger))
	}
	for _, q := range cfg.CustomQueries {
		cols = append(cols, &customCollector{target: target, pool: pool, q: q.withDefaults(), deltas: newCounters(target, maxCustomSeries)})
	}
	closers := []func(){pool.Close, conn.Close}
	if cfg.Plans.LogPath != "" {
		pl := newPlanLog(target, cfg.Plans, m, logger)
		cols = append(cols, pl)
		closers = append(closers, pl.tail.close)
	}
	return cols, func() {
		for _, c := range closers {
			c()
		}
	}, nil
}
