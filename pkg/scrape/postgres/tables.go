package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dbintel/dbintel/pkg/contract"
	"github.com/dbintel/dbintel/pkg/pipeline"
	"github.com/dbintel/dbintel/pkg/scrape"
)

// Per-database views. The cap keeps the tables with the most rows and the
// most used indexes: ordering by pg_total_relation_size would stat the
// files of every relation each time. pg_relation_size opens the relation,
// so a relation someone holds an AccessExclusiveLock on (LOCK TABLE, ALTER,
// VACUUM FULL) would block the whole query until its timeout: its size is
// skipped (NULL) instead.
const (
	unlocked  = `NOT EXISTS (SELECT 1 FROM pg_locks l WHERE l.mode = 'AccessExclusiveLock' AND l.relation = `
	unlockedT = unlocked + `t.relid)`
	unlockedI = unlocked + `indexrelid)`
	sqlTables = ownMarker + `SELECT t.schemaname, t.relname, t.n_live_tup, t.n_dead_tup, t.n_tup_ins, t.n_tup_upd, t.n_tup_del, t.n_tup_hot_upd,
  t.seq_scan, t.vacuum_count, t.autovacuum_count, t.analyze_count + t.autoanalyze_count,
  EXTRACT(EPOCH FROM now() - GREATEST(t.last_vacuum, t.last_autovacuum))::float8,
  EXTRACT(EPOCH FROM now() - GREATEST(t.last_analyze, t.last_autoanalyze))::float8,
  CASE WHEN ` + unlockedT + ` THEN pg_relation_size(t.relid) END,
  COALESCE(io.heap_blks_read, 0), COALESCE(io.heap_blks_hit, 0), COALESCE(io.idx_blks_read, 0), COALESCE(io.idx_blks_hit, 0),
  COALESCE(io.toast_blks_read, 0), COALESCE(io.toast_blks_hit, 0), COALESCE(io.tidx_blks_read, 0), COALESCE(io.tidx_blks_hit, 0)
FROM pg_stat_user_tables t JOIN pg_statio_user_tables io USING (relid)
ORDER BY t.n_live_tup + t.n_dead_tup DESC, t.relid LIMIT $1`
	sqlTableCount = ownMarker + `SELECT count(*) FROM pg_stat_user_tables`
	sqlIndexes    = ownMarker + `SELECT schemaname, relname, indexrelname, idx_scan,
  CASE WHEN ` + unlockedI + ` THEN pg_relation_size(indexrelid) END
FROM pg_stat_user_indexes ORDER BY idx_scan DESC, indexrelid LIMIT $1`
	sqlFunctions = ownMarker + `SELECT schemaname, funcname, calls FROM pg_stat_user_functions ORDER BY calls DESC LIMIT $1`
)

// tablesCollector reads table, index and function statistics of every
// database through the bounded per-database pool.
type tablesCollector struct {
	target   scrape.Target
	main     *Conn
	pool     *dbPool
	cfg      DatabasesConfig
	interval time.Duration
	enabled  map[string]bool
	deltas   *scrape.Deltas
	log      *slog.Logger
}

func (c *tablesCollector) Name() string            { return "postgresql.tables" }
func (c *tablesCollector) Interval() time.Duration { return c.interval }
func (c *tablesCollector) NeedsBaseline() bool     { return c.target.Temporality == scrape.Delta }

func (c *tablesCollector) Collect(ctx context.Context, now time.Time) (pipeline.Batch, error) {
	dbs, err := databases(ctx, c.main, c.cfg)
	if err != nil {
		return pipeline.Batch{}, fmt.Errorf("scrape %s: tables: list databases: %w", c.target.Name(), err)
	}
	mb := scrape.NewMetricsBuilder(c.target, scopeName)
	e := &emitter{mb: mb, deltas: c.deltas, now: now, enabled: c.enabled}
	var errs []error
	for _, db := range dbs {
		if ctx.Err() != nil {
			break
		}
		err := c.pool.conn(db).Do(ctx, func(ctx context.Context, conn *pgx.Conn, _ int) error {
			return c.scrapeDatabase(ctx, conn, db, e)
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("database %s: %w", db, err))
		}
	}
	c.deltas.Sweep()
	// One unreachable database should not hide the others' data.
	if len(errs) == len(dbs) && len(errs) > 0 {
		return pipeline.Batch{}, fmt.Errorf("scrape %s: tables: %w", c.target.Name(), errors.Join(errs...))
	}
	if len(errs) > 0 {
		c.log.Debug("tables: some databases failed", "error", errors.Join(errs...))
	}
	return scrape.Batch(mb, nil), nil
}

func (c *tablesCollector) scrapeDatabase(ctx context.Context, conn *pgx.Conn, db string, e *emitter) error {
	var count int64
	if err := conn.QueryRow(ctx, sqlTableCount).Scan(&count); err != nil {
		return fmt.Errorf("pg_stat_user_tables: %w", err)
	}
	e.at(resDatabase, db).value(mTableCount, count, contract.AttrNamespace, db)
	var t tableRow
	rows, _ := conn.Query(ctx, sqlTables, c.cfg.MaxTables)
	if _, err := pgx.ForEachRow(rows, t.dest(), func() error { emitTable(e, db, &t); return nil }); err != nil {
		return fmt.Errorf("pg_stat_user_tables: %w", err)
	}
	var schema, table, index string
	var scans int64
	var size *int64
	rows, _ = conn.Query(ctx, sqlIndexes, c.cfg.MaxTables)
	if _, err := pgx.ForEachRow(rows, []any{&schema, &table, &index, &scans, &size}, func() error {
		ie := e.at(resDatabase, db, resTable, schema+"."+table, resIndex, index)
		attrs := []string{contract.AttrNamespace, namespace(db, schema), contract.AttrCollection, table, resIndex, index}
		ie.counter(mIndexScans, scans, attrs...)
		if size != nil {
			ie.value(mIndexSize, *size, attrs...)
		}
		return nil
	}); err != nil {
		return fmt.Errorf("pg_stat_user_indexes: %w", err)
	}
	if e.on(mFunctionCalls) {
		var fn string
		var calls int64
		fe := e.at(resDatabase, db)
		rows, _ = conn.Query(ctx, sqlFunctions, c.cfg.MaxTables)
		if _, err := pgx.ForEachRow(rows, []any{&schema, &fn, &calls}, func() error {
			fe.counter(mFunctionCalls, calls, "function", fn, contract.AttrNamespace, namespace(db, schema))
			return nil
		}); err != nil {
			return fmt.Errorf("pg_stat_user_functions: %w", err)
		}
	}
	return nil
}

// namespace is db.namespace of a schema's objects, "database|schema" as
// the receivers send it (OTel semantic conventions for PostgreSQL).
func namespace(db, schema string) string { return db + "|" + schema }

type tableRow struct {
	schema, name                          string
	live, dead, ins, upd, del, hotUpd     int64
	seqScan, vacuums, autovacuums, analyz int64
	vacuumAge, analyzeAge                 *float64
	size                                  *int64
	blocks                                [8]int64 // heap/idx/toast/tidx read, hit
}

func (t *tableRow) dest() []any {
	d := []any{&t.schema, &t.name, &t.live, &t.dead, &t.ins, &t.upd, &t.del, &t.hotUpd, &t.seqScan, &t.vacuums, &t.autovacuums, &t.analyz,
		&t.vacuumAge, &t.analyzeAge, &t.size}
	for i := range t.blocks {
		d = append(d, &t.blocks[i])
	}
	return d
}

var blockSources = [8]string{"heap_read", "heap_hit", "idx_read", "idx_hit", "toast_read", "toast_hit", "tidx_read", "tidx_hit"}

// emitTable writes a table's metrics under its resource (database and
// schema.table, as the receivers and New Relic's entity dashboard have it).
func emitTable(root *emitter, db string, t *tableRow) {
	e := root.at(resDatabase, db, resTable, t.schema+"."+t.name)
	at := []string{contract.AttrNamespace, namespace(db, t.schema), contract.AttrCollection, t.name}
	e.value(mRows, t.live, append(at, "state", "live")...)
	e.value(mRows, t.dead, append(at, "state", "dead")...)
	if t.live+t.dead > 0 {
		e.float(mDeadRatio, float64(t.dead)/float64(t.live+t.dead), at...)
	}
	for op, v := range map[string]int64{"ins": t.ins, "upd": t.upd, "del": t.del, "hot_upd": t.hotUpd} {
		e.counter(mOperations, v, append(at, "operation", op)...)
	}
	for i, src := range blockSources {
		e.counter(mBlocksRead, t.blocks[i], append(at, "source", src)...)
	}
	e.counter(mSeqScans, t.seqScan, at...)
	e.counter(mVacuumCount, t.vacuums, at...)
	e.counter(mAutovacuumCount, t.autovacuums, at...)
	e.counter(mAnalyzeCount, t.analyz, at...)
	if t.size != nil {
		e.value(mTableSize, *t.size, at...)
	}
	if t.vacuumAge != nil {
		e.float(mVacuumAge, *t.vacuumAge, at...)
	}
	if t.analyzeAge != nil {
		e.float(mAnalyzeAge, *t.analyzeAge, at...)
	}
}
