package mysql

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"strconv"
	"time"
	"unicode/utf8"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/dbintel/dbintel/pkg/contract"
	"github.com/dbintel/dbintel/pkg/pipeline"
	"github.com/dbintel/dbintel/pkg/scrape"
	"github.com/dbintel/dbintel/pkg/scrape/sqlhash"
	"github.com/dbintel/dbintel/pkg/sqlmask"
)

// Per-digest metrics of nrmysqlreceiver (New Relic's "Statement Digests"
// dashboard page reads them with latest() - earliest()): the digest table's
// cumulative counters of the digests active in the interval, as
// non-monotonic sums.
var (
	mStmtCount    = md("mysql.statement_event.count", "1", "Summary of current and recent statement events.", scrape.UpDownSum)
	mStmtWaitTime = md("mysql.statement_event.wait.time", "ns", "The total wait time of the summarized timed events.", scrape.UpDownSum)
)

// maxDigestTextAttr bounds the digest_text attribute of those metrics in
// bytes (the receiver's default digest_text_limit is 120 characters).
const maxDigestTextAttr = 120

// digestText is a digest text ready to send: obfuscated, its operation and
// the normalized hash of the server's text.
type digestText struct{ text, op, hash string }

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
	var top []digestDelta
	var totals []digestCounters // cumulative, per top digest
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
		deltas, dropped, resets := q.tracker.apply(rows)
		q.m.untracked.Add(float64(dropped))
		q.m.resets.Add(float64(resets))
		q.m.tracked.Set(float64(len(q.tracker.state)))
		if baseline {
			return nil
		}
		top = topDigests(deltas, q.cfg.TopN)
		totals = make([]digestCounters, len(top))
		for i, d := range top {
			totals[i] = q.tracker.state[d.key].c
		}
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
				q.texts.Add(k, digestText{text: t, op: op, hash: sqlhash.Hash(raw)})
			}
		}
		return nil
	})
	if err != nil {
		return pipeline.Batch{}, fmt.Errorf("scrape %s: query stats: %w", q.target.Name(), err)
	}
	if baseline {
		return pipeline.NewBatch(), nil
	}
	return q.emit(target, top, totals, now), nil
}

// emit builds the top-N events and the per-digest metrics.
func (q *queryStats) emit(target scrape.Target, top []digestDelta, totals []digestCounters, now time.Time) pipeline.Batch {
	mb := scrape.NewMetricsBuilder(target, scopeName)
	lb := scrape.NewLogsBuilder(target, scopeName)
	for i, d := range top {
		text, _ := q.texts.Peek(d.key)
		topQueryEvent(lb, d, text, now)
		statementMetrics(mb, d.key, cutUTF8(text.text, maxDigestTextAttr), totals[i], now)
	}
	return scrape.Batch(mb, lb)
}

// eventStates are the receiver's event_state values (kind) of
// mysql.statement_event.count and the counters they read.
var eventStates = [...]struct {
	kind string
	get  func(digestCounters) uint64
}{
	{"errors", func(c digestCounters) uint64 { return c.errors }},
	{"warnings", func(c digestCounters) uint64 { return c.warnings }},
	{"rows_affected", func(c digestCounters) uint64 { return c.rowsAffected }},
	{"rows_sent", func(c digestCounters) uint64 { return c.rowsSent }},
	{"rows_examined", func(c digestCounters) uint64 { return c.rowsExamined }},
	{"created_tmp_disk_tables", func(c digestCounters) uint64 { return c.tmpDiskTables }},
	{"created_tmp_tables", func(c digestCounters) uint64 { return c.tmpTables }},
	{"sort_merge_passes", func(c digestCounters) uint64 { return c.sortMergePasses }},
	{"sort_rows", func(c digestCounters) uint64 { return c.sortRows }},
	{"no_index_used", func(c digestCounters) uint64 { return c.noIndexUsed }},
}

func statementMetrics(mb *scrape.MetricsBuilder, k digestKey, text string, c digestCounters, now time.Time) {
	for _, st := range eventStates {
		mb.Int(mStmtCount, time.Time{}, now, clampInt(st.get(c)),
			"schema", k.schema, "digest", k.digest, "digest_text", text, "kind", st.kind)
	}
	mb.Int(mStmtWaitTime, time.Time{}, now, clampInt(c.timerPS/1000), "schema", k.schema, "digest", k.digest, "digest_text", text)
}

// cutUTF8 cuts s to at most n bytes without splitting a character.
func cutUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// topQueryEvent writes one db.server.top_query event with nrmysqlreceiver's
// attributes (durations in seconds, counts are the interval's deltas) and
// the other digest columns under the same naming.
func topQueryEvent(lb *scrape.LogsBuilder, d digestDelta, text digestText, now time.Time) {
	lr := lb.Event(d.key.schema, contract.EventTopQuery, now)
	a := lr.Attributes()
	a.PutStr(contract.MySQLDigest, d.key.digest)
	if text.text != "" {
		a.PutStr(contract.AttrQueryText, text.text)
		a.PutStr(contract.AttrQueryTextHash, text.hash)
	}
	if text.op != "" {
		a.PutStr(contract.AttrOperationName, text.op)
	}
	c := d.d
	a.PutInt(contract.MySQLCountStar, clampInt(c.calls))
	a.PutDouble(contract.MySQLSumTimerWait, psToS(c.timerPS))
	a.PutInt(contract.MySQLSumRowsExamined, clampInt(c.rowsExamined))
	a.PutInt(contract.MySQLSumRowsSent, clampInt(c.rowsSent))
	a.PutDouble(contract.MySQLSumLockTime, psToS(c.lockPS))
	for _, f := range [...]struct {
		name string
		v    uint64
	}{
		{contract.MySQLSumRowsAffected, c.rowsAffected},
		{contract.MySQLSumErrors, c.errors},
		{contract.MySQLSumWarnings, c.warnings},
		{contract.MySQLSumNoIndexUsed, c.noIndexUsed},
		{contract.MySQLSumNoGoodIndexUsed, c.noGoodIndexUsed},
		{contract.MySQLSumTmpTables, c.tmpTables},
		{contract.MySQLSumTmpDiskTables, c.tmpDiskTables},
		{contract.MySQLSumSelectFullJoin, c.fullJoins},
		{contract.MySQLSumSelectScan, c.selectScans},
		{contract.MySQLSumSortMergePasses, c.sortMergePasses},
		{contract.MySQLSumSortRows, c.sortRows},
	} {
		a.PutInt(f.name, clampInt(f.v))
	}
}
