package mysql

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/dbintel/dbintel/pkg/pipeline"
	"github.com/dbintel/dbintel/pkg/scrape"
	"github.com/dbintel/dbintel/pkg/sqlmask"
)

// Per-schema totals of the digest table.
var (
	mQueryExecTime = md("mysql.query.execution.time", "s", "Execution time of the statements in events_statements_summary_by_digest, per schema.", scrape.DeltaSum)
	mQueryCalls    = md("mysql.query.calls", "{call}", "Calls of the statements in events_statements_summary_by_digest, per schema.", scrape.DeltaSum)
	mQueryRows     = md("mysql.query.rows", "{row}", "Rows sent or affected by the statements in events_statements_summary_by_digest, per schema.", scrape.DeltaSum)
)

// digestText is a digest text ready to send.
type digestText struct{ text, op string }

// queryStats collects events_statements_summary_by_digest deltas.
type queryStats struct {
	target  scrape.Target
	conn    *Conn
	cfg     QueryStatsConfig
	log     *slog.Logger
	m       *selfMetrics
	obf     *sqlmask.Obfuscator
	tracker *digestTracker
	texts   *lru.Cache[digestKey, digestText]
	lastAt  time.Time
}

func newQueryStats(target scrape.Target, conn *Conn, cfg QueryStatsConfig, log *slog.Logger, m *selfMetrics) *queryStats {
	q := &queryStats{target: target, conn: conn, cfg: cfg, log: log, m: m,
		obf: sqlmask.New("mysql"), tracker: newDigestTracker(cfg.MaxStatements)}
	q.texts, _ = lru.NewWithEvict(cfg.TextCacheSize, func(digestKey, digestText) { m.textEvicted.Inc() })
	return q
}

func (q *queryStats) Name() string            { return "mysql.query_stats" }
func (q *queryStats) Interval() time.Duration { return q.cfg.CollectionInterval }
func (q *queryStats) NeedsBaseline() bool     { return true }

func (q *queryStats) Collect(ctx context.Context, now time.Time) (pipeline.Batch, error) {
	var deltas, top []digestDelta
	var baseline bool
	var target scrape.Target
	err := q.conn.Do(ctx, func(ctx context.Context, conn *sql.Conn, info serverInfo) error {
		target = withSystem(q.target, info)
		if err := checkConsumers(ctx, conn, info, digestConsumers, "query statistics"); err != nil {
			return err
		}
		if off, total, err := statementInstrumentsOff(ctx, conn); err != nil {
			return err
		} else if total > 0 && off == total {
			return scrape.Disabled("every statement/% instrument is disabled, so no statement is counted", instrumentFix)
		}
		// SHOW rather than information_schema.GLOBAL_STATUS, which MySQL 8
		// removed.
		var name, lost string
		if err := conn.QueryRowContext(ctx, "SHOW GLOBAL STATUS LIKE 'Performance_schema_digest_lost'").Scan(&name, &lost); err == nil {
			v, _ := strconv.ParseFloat(lost, 64)
			q.m.digestLost.Set(v)
		}
		rows, err := readDigests(ctx, conn)
		if err != nil {
			return err
		}
		baseline = !q.tracker.baselined
		var dropped, resets int
		deltas, dropped, resets = q.tracker.apply(rows)
		q.m.untracked.Add(float64(dropped))
		q.m.resets.Add(float64(resets))
		q.m.tracked.Set(float64(len(q.tracker.state)))
		if baseline {
			return nil
		}
		top = topDigests(append([]digestDelta(nil), deltas...), q.cfg.TopN)
		// Texts only for digests whose text is not cached: a digest's text
		// never changes. A failed fetch leaves texts empty; the statistics
		// still go out.
		var missing []digestKey
		for _, d := range top {
			if !q.texts.Contains(d.key) {
				missing = append(missing, d.key)
			}
		}
		if len(missing) > 0 {
			texts, err := readDigestTexts(ctx, conn, missing)
			if err != nil {
				q.log.Debug("digest text fetch failed", "error", err)
			}
			for k, raw := range texts {
				t, op := q.obf.Obfuscate(raw)
				q.texts.Add(k, digestText{text: t, op: op})
			}
		}
		return nil
	})
	start := q.lastAt
	if err != nil {
		return pipeline.Batch{}, fmt.Errorf("scrape %s: query stats: %w", q.target.Name(), err)
	}
	q.lastAt = now
	if baseline {
		return pipeline.NewBatch(), nil
	}
	return q.emit(target, deltas, top, start, now), nil
}

// emit builds the per-schema totals (from every delta) and the top-N
// events.
func (q *queryStats) emit(target scrape.Target, deltas, top []digestDelta, start, now time.Time) pipeline.Batch {
	mb := scrape.NewMetricsBuilder(target, scopeName)
	lb := scrape.NewLogsBuilder(target, scopeName)
	for schema, t := range schemaTotals(deltas) {
		mb.Double(mQueryExecTime, start, now, psToS(t.timerPS), "db.namespace", schema)
		mb.Int(mQueryCalls, start, now, int64(t.calls), "db.namespace", schema)
		mb.Int(mQueryRows, start, now, int64(t.rowsSent+t.rowsAffected), "db.namespace", schema)
	}
	for _, d := range top {
		text, _ := q.texts.Peek(d.key)
		topQueryEvent(lb, d, text, now)
	}
	return scrape.Batch(mb, lb)
}

// topQueryEvent writes one db.server.top_query event with the attribute
// names of the PostgreSQL collector. Durations are in seconds; counters are
// the interval's deltas.
func topQueryEvent(lb *scrape.LogsBuilder, d digestDelta, text digestText, now time.Time) {
	lr := lb.Event(d.key.schema, "db.server.top_query", now)
	a := lr.Attributes()
	a.PutStr("db.query.id", d.key.digest)
	if text.text != "" {
		a.PutStr("db.query.text", text.text)
	}
	if text.op != "" {
		a.PutStr("db.operation.name", text.op)
	}
	c := d.d
	a.PutInt("db.query.calls", int64(c.calls))
	a.PutDouble("db.query.total_time", psToS(c.timerPS))
	a.PutDouble("db.query.exec_time", psToS(c.timerPS))
	if c.calls > 0 {
		a.PutDouble("db.query.mean_time", psToS(c.timerPS)/float64(c.calls))
	}
	a.PutInt("db.query.rows", int64(c.rowsSent+c.rowsAffected))
	a.PutDouble("mysql.lock_time", psToS(c.lockPS))
	a.PutInt("mysql.rows_sent", int64(c.rowsSent))
	a.PutInt("mysql.rows_affected", int64(c.rowsAffected))
	a.PutInt("mysql.rows_examined", int64(c.rowsExamined))
	a.PutInt("mysql.errors", int64(c.errors))
	a.PutInt("mysql.warnings", int64(c.warnings))
	a.PutInt("mysql.no_index_used", int64(c.noIndexUsed))
	a.PutInt("mysql.no_good_index_used", int64(c.noGoodIndexUsed))
	a.PutInt("mysql.tmp_tables", int64(c.tmpTables))
	a.PutInt("mysql.tmp_disk_tables", int64(c.tmpDiskTables))
	a.PutInt("mysql.select_full_join", int64(c.fullJoins))
	a.PutInt("mysql.select_scan", int64(c.selectScans))
	a.PutInt("mysql.sort_merge_passes", int64(c.sortMergePasses))
	a.PutInt("mysql.sort_rows", int64(c.sortRows))
}
