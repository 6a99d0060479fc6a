// Package mysql collects MySQL 8.0+ and MariaDB 10.5+ infrastructure
// metrics (nrmysqlreceiver names), query statistics from
// performance_schema.events_statements_summary_by_digest, session samples
// with lock waits, and opt-in EXPLAIN FORMAT=JSON plans, over one
// connection per server.
//
// Tested live against MariaDB 10.11 (Debian's mariadb-server, started by
// test/mariadbtest). MySQL 8 cannot be installed on the build machines, so
// its differences (performance_schema.data_lock_waits, EXPLAIN JSON with
// cost_info, max_execution_time) are covered by unit tests on recorded
// outputs in testdata/.
package mysql

import (
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dbintel/dbintel/pkg/contract"
	"github.com/dbintel/dbintel/pkg/scrape"
)

// NewTarget derives the scrape target (server.address, server.port) from
// the DSN. The product is "mysql" here and becomes "mariadb" once the
// server has said what it is (dbintel.db.product); db.system.name and the
// instance id (host:port) stay the same either way, as New Relic's MySQL
// entity expects.
func NewTarget(cfg Config, labels map[string]string) (scrape.Target, error) {
	mc, err := parseDSN(cfg.DSN.Value(), cfg.QueryTimeout)
	if err != nil {
		return scrape.Target{}, err
	}
	host, port := mc.Addr, 0
	if mc.Net == "tcp" || mc.Net == "tcp6" {
		h, p, err := net.SplitHostPort(mc.Addr)
		if err != nil {
			return scrape.Target{}, fmt.Errorf("mysql: dsn address %q: %w", mc.Addr, err)
		}
		host = h
		port, _ = strconv.Atoi(p)
	}
	return scrape.NewTarget(contract.SystemMySQL, host, port, labels), nil
}

// withSystem returns t with the product of the connected server.
func withSystem(t scrape.Target, info serverInfo) scrape.Target {
	t.System = info.system()
	return t
}

// NewCollectors builds the collectors for one server, sharing one lazily
// opened connection (the server may be down when the scraper starts).
// Call the returned close function after the scheduler has shut down.
func NewCollectors(cfg Config, target scrape.Target, logger *slog.Logger, reg prometheus.Registerer) ([]scrape.Collector, func(), error) {
	if err := cfg.Validate(); err != nil {
		return nil, nil, fmt.Errorf("mysql: %w", err)
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	mc, err := parseDSN(cfg.DSN.Value(), cfg.QueryTimeout)
	if err != nil {
		return nil, nil, err
	}
	if cfg.TLS.Enabled() {
		// Takes precedence over the DSN's tls=; plaintext is never a fallback.
		if mc.TLS, err = cfg.TLS.Config(target.Address); err != nil {
			return nil, nil, fmt.Errorf("mysql: %w", err)
		}
	}
	logger = logger.With("target", target.Name())
	conn, err := newConn(mc, cfg.QueryTimeout, logger)
	if err != nil {
		return nil, nil, err
	}
	m := newSelfMetrics(reg)
	cols := []scrape.Collector{
		&infraCollector{target: target, conn: conn, interval: cfg.CollectionInterval,
			deltas: scrape.NewCounters(maxInfraSeries, target.Temporality, time.Now()), log: logger, m: m},
	}
	if cfg.QueryStats.Enabled {
		cols = append(cols, newQueryStats(target, conn, cfg.QueryStats, logger, m))
	}
	if cfg.Samples.Enabled {
		cols = append(cols, newSamples(target, conn, cfg, logger, m))
	}
	return cols, conn.Close, nil
}
