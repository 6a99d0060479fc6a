package postgres

import (
	"context"
	"crypto/md5" //nolint:gosec // a grouping key, as New Relic's receivers compute it, not a secret
	"encoding/hex"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/jackc/pgx/v5"

	"github.com/dbintel/dbintel/pkg/contract"
	"github.com/dbintel/dbintel/pkg/pipeline"
	"github.com/dbintel/dbintel/pkg/scrape"
	"github.com/dbintel/dbintel/pkg/sqlmask"
)

// Per-database totals of pg_stat_statements: the sum of the statements'
// deltas, sent as running totals since the scraper started (cumulative) or
// per interval (delta).
var (
	mQueryExecTime = m("postgresql.query.execution.time", "s", "The total execution time of SQL statements tracked by pg_stat_statements for the database.", scrape.Counter, on, rcv).from("pg_stat_statements")
	mQueryCalls    = m("postgresql.query.calls", "{call}", "Calls of the statements tracked by pg_stat_statements, per database.", scrape.Counter, on, extra).from("pg_stat_statements")
	mQueryRows     = m("postgresql.query.rows", "{row}", "Rows returned or affected by the statements tracked by pg_stat_statements, per database.", scrape.Counter, on, extra).from("pg_stat_statements")
)

// stmtText is a query text ready to send.
type stmtText struct {
	text, op string // obfuscated text, operation name
	own      bool
}

// queryStats collects pg_stat_statements deltas.
type queryStats struct {
	target  scrape.Target
	conn    *Conn
	cfg     QueryStatsConfig
	log     *slog.Logger
	m       *pgMetrics
	obf     *sqlmask.Obfuscator
	tracker *stmtTracker
	texts   *lru.Cache[stmtKey, stmtText]
	explain *explainer // nil unless query_stats.explain.enabled
	names   *interner  // database and role names, shared by their rows

	rowsSeen int // entries of the last run: the next run's capacity

	lastAt      time.Time
	since       time.Time               // start of the cumulative totals
	totals      map[string]stmtCounters // per database, cumulative temporality only
	lastReset   time.Time
	lastDealloc int64
	warnedHide  bool
}

func newQueryStats(target scrape.Target, conn *Conn, cfg QueryStatsConfig, log *slog.Logger, m *pgMetrics) *queryStats {
	q := &queryStats{target: target, conn: conn, cfg: cfg, log: log, m: m, since: time.Now(), totals: map[string]stmtCounters{},
		obf: sqlmask.New("postgresql"), tracker: newStmtTracker(cfg.MaxStatements),
		names: newInterner(internedStrings)}
	q.texts, _ = lru.NewWithEvict(cfg.TextCacheSize, func(stmtKey, stmtText) { m.textEvicted.Inc() })
	if cfg.Explain.Enabled {
		q.explain = newExplainer(cfg.Explain)
	}
	return q
}

func (q *queryStats) Name() string            { return "postgresql.query_stats" }
func (q *queryStats) Interval() time.Duration { return q.cfg.CollectionInterval }
func (q *queryStats) NeedsBaseline() bool     { return true }

func (q *queryStats) Collect(ctx context.Context, now time.Time) (pipeline.Batch, error) {
	var deltas, top []stmtDelta
	var plans []explained
	var baseline bool
	err := q.conn.Do(ctx, func(ctx context.Context, conn *pgx.Conn, version int) error {
		dealloc, resetAt, err := readInfo(ctx, conn, version)
		if err != nil {
			return err
		}
		q.names.reset()
		rows, hidden, err := readStatements(ctx, conn, version, q.rowsSeen, q.names)
		if err != nil {
			return err
		}
		q.noteHidden(hidden)
		q.rowsSeen = len(rows)
		if !q.lastReset.IsZero() && !resetAt.Equal(q.lastReset) {
			q.tracker.reset()
			q.m.resets.Inc()
		}
		if dealloc > q.lastDealloc && q.tracker.baselined {
			q.m.dealloc.Add(float64(dealloc - q.lastDealloc))
		}
		q.lastReset, q.lastDealloc = resetAt, dealloc

		// pg_stat_statements(true) reads the server's whole text file, so
		// texts are fetched for every entry only at the baseline (which
		// recognises the scraper's own statements by their marker), and
		// afterwards only for new entries that make the top N.
		baseline = !q.tracker.baselined
		if baseline {
			var unseen []stmtKey
			for _, r := range rows {
				if !q.texts.Contains(r.key) {
					unseen = append(unseen, r.key)
				}
			}
			if err := q.fetchTexts(ctx, conn, version, unseen); err != nil {
				return err
			}
		}
		var dropped int
		deltas, dropped = q.tracker.apply(rows, func(k stmtKey) bool { t, _ := q.texts.Peek(k); return t.own })
		q.m.dropped.Add(float64(dropped))
		q.m.tracked.Set(float64(len(q.tracker.state)))
		if baseline {
			return nil
		}
		top = slices.Clone(topN(deltas, q.cfg.TopN))
		var missing []stmtKey
		for _, d := range top {
			if !q.texts.Contains(d.key) {
				missing = append(missing, d.key)
			}
		}
		// A failed text fetch leaves texts empty; the statistics still go out.
		if err := q.fetchTexts(ctx, conn, version, missing); err != nil {
			q.log.Debug("query text fetch failed", "error", err)
		}
		// Own statements first met after the baseline are known now.
		deltas, top = q.dropOwn(deltas), q.dropOwn(top)
		if q.explain != nil {
			plans = q.explainTop(ctx, conn, version, top, now)
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
	b := q.emit(deltas, top, start, now)
	q.emitPlans(b, plans, now)
	return b, nil
}

// dropOwn filters ds in place.
func (q *queryStats) dropOwn(ds []stmtDelta) []stmtDelta {
	out := ds[:0]
	for _, d := range ds {
		if t, _ := q.texts.Peek(d.key); !t.own {
			out = append(out, d)
		}
	}
	return out
}

func (q *queryStats) fetchTexts(ctx context.Context, conn *pgx.Conn, version int, keys []stmtKey) error {
	if len(keys) == 0 {
		return nil
	}
	return readTexts(ctx, conn, version, keys, func(k stmtKey, raw string) {
		t := stmtText{own: q.conn.isOwn(k.userid, raw)}
		if !t.own {
			t.text, t.op = q.obf.Obfuscate(raw)
		}
		q.texts.Add(k, t)
	})
}

func (q *queryStats) noteHidden(hidden int) {
	q.m.hidden.Set(float64(hidden))
	if hidden > 0 && !q.warnedHide {
		q.warnedHide = true
		q.log.Warn("some pg_stat_statements entries are hidden from the scraper's role; their statistics are missing",
			"entries", hidden, "fix", "GRANT pg_read_all_stats TO <scraper role>")
	}
}

// emit builds the per-database totals (from every delta) and the top-N
// events.
func (q *queryStats) emit(deltas, top []stmtDelta, start, now time.Time) pipeline.Batch {
	mb := scrape.NewMetricsBuilder(q.target, scopeName)
	lb := scrape.NewLogsBuilder(q.target, scopeName)
	for db, t := range dbTotals(deltas) {
		if q.target.Temporality != scrape.Delta {
			// Databases are few (pg_database); the map stays small.
			t = add(q.totals[db], t)
			q.totals[db] = t
			start = q.since
		}
		e := mb.For(resDatabase, db)
		e.Double(mQueryExecTime.MetricDef, start, now, msToS(t.execMS), contract.AttrNamespace, db)
		e.Int(mQueryCalls.MetricDef, start, now, t.calls, contract.AttrNamespace, db)
		e.Int(mQueryRows.MetricDef, start, now, t.rows, contract.AttrNamespace, db)
	}
	for _, d := range top {
		text, _ := q.texts.Peek(d.key)
		topQueryEvent(lb, d, text, now)
	}
	return scrape.Batch(mb, lb)
}

// topQueryEvent writes one db.server.top_query event with
// nrpostgresqlreceiver's attributes: the interval's deltas, times in ms.
func topQueryEvent(lb *scrape.LogsBuilder, d stmtDelta, text stmtText, now time.Time) {
	lr := lb.Event(d.datname, contract.EventTopQuery, now)
	a := lr.Attributes()
	a.PutStr(contract.PGQueryID, strconv.FormatInt(d.key.queryid, 10))
	a.PutStr(contract.PGRoleName, d.rolname)
	a.PutStr(contract.AttrQueryText, text.text)
	if text.text != "" {
		a.PutStr(contract.AttrQueryTextHash, normalizedHash(text.text))
	}
	if text.op != "" {
		a.PutStr(contract.AttrOperationName, text.op)
	}
	c := d.d
	a.PutInt(contract.PGCalls, c.calls)
	a.PutDouble(contract.PGTotalExecTime, c.execMS)
	a.PutDouble(contract.PGTotalPlanTime, c.planMS)
	a.PutInt(contract.PGRows, c.rows)
	a.PutInt(contract.PGSharedBlksHit, c.sharedHit)
	a.PutInt(contract.PGSharedBlksRead, c.sharedRead)
	a.PutInt(contract.PGSharedBlksDirtied, c.sharedDirtied)
	a.PutInt(contract.PGSharedBlksWritten, c.sharedWritten)
	a.PutInt(contract.PGTempBlksRead, c.tempRead)
	a.PutInt(contract.PGTempBlksWritten, c.tempWritten)
	a.PutBool(contract.PGToplevel, d.key.toplevel)
	a.PutInt(contract.PGLocalBlksHit, c.localHit)
	a.PutInt(contract.PGLocalBlksRead, c.localRead)
	a.PutInt(contract.PGWALBytes, int64(c.walBytes))
}

// normalizedHash is db.query.text.normalized.hash: the hex MD5 of the
// obfuscated text with pg_stat_statements' placeholders ($1) written as the
// obfuscator's "?", so one statement hashes alike in top_query events
// (normalized by PostgreSQL) and query_sample events (obfuscated here); New
// Relic's views group and join on it.
func normalizedHash(obfuscated string) string {
	var b strings.Builder
	b.Grow(len(obfuscated))
	for i := 0; i < len(obfuscated); i++ {
		if obfuscated[i] == '$' && i+1 < len(obfuscated) && obfuscated[i+1] >= '0' && obfuscated[i+1] <= '9' {
			b.WriteByte('?')
			for i+1 < len(obfuscated) && obfuscated[i+1] >= '0' && obfuscated[i+1] <= '9' {
				i++
			}
			continue
		}
		b.WriteByte(obfuscated[i])
	}
	sum := md5.Sum([]byte(b.String()))
	return hex.EncodeToString(sum[:])
}
