package postgres

import (
	"context"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dbintel/dbintel/pkg/contract"
	"github.com/dbintel/dbintel/pkg/pipeline"
	"github.com/dbintel/dbintel/pkg/scrape"
)

// explained is one plan obtained by EXPLAIN.
type explained struct {
	d    stmtDelta
	plan []byte
}

// explainTop explains the slowest statements that are within budget. Raw
// texts are fetched for these few only; they never leave this function.
func (q *queryStats) explainTop(ctx context.Context, conn *pgx.Conn, version int, top []stmtDelta, now time.Time) []explained {
	var cand []stmtDelta
	for _, d := range top {
		if len(cand) == q.explain.cfg.TopN {
			break
		}
		if t, _ := q.texts.Peek(d.key); t.own || !q.explain.allow(d.key, now) {
			continue
		}
		cand = append(cand, d)
	}
	if len(cand) == 0 {
		return nil
	}
	keys := make([]stmtKey, len(cand))
	for i, d := range cand {
		keys[i] = d.key
	}
	raw := make(map[stmtKey]string, len(keys))
	if err := readTexts(ctx, conn, version, keys, func(k stmtKey, text string) { raw[k] = text }); err != nil {
		q.log.Debug("explain: text fetch failed", "error", err)
		return nil
	}
	var out []explained
	for _, d := range cand {
		text, ok := raw[d.key]
		if !ok || !q.explain.explainableWith(text) {
			q.m.explainSkipped.Inc()
			continue
		}
		plan, err := q.explain.explain(ctx, conn, version, d.key, text, now)
		if err != nil {
			q.m.explainFailed.Inc()
			q.explain.warn(q.log, d.key, err, now)
			continue
		}
		out = append(out, explained{d: d, plan: plan})
	}
	return out
}

// Values of contract.PGPlanSource.
const (
	planSourceExplain     = "explain"
	planSourceAutoExplain = "auto_explain"
)

// emitPlans adds db.server.query_plan events (source explain) to b. The
// masked plan goes in postgresql.query_plan, as New Relic's receiver sends
// it, with the statement's id and text to join it to its top_query events;
// the body stays empty (New Relic would explode a JSON body into
// attributes).
func (q *queryStats) emitPlans(b pipeline.Batch, plans []explained, now time.Time) {
	if len(plans) == 0 {
		return
	}
	lb := scrape.NewLogsBuilder(q.target, scopeName)
	for _, p := range plans {
		masked, _, _, err := maskPlan(p.plan, q.obf)
		if err != nil {
			q.m.explainFailed.Inc()
			continue
		}
		lr := lb.Event(p.d.datname, contract.EventQueryPlan, now)
		a := lr.Attributes()
		a.PutStr(contract.PGQueryPlan, string(masked))
		a.PutStr(contract.PGPlanSource, planSourceExplain)
		a.PutStr(contract.PGQueryID, strconv.FormatInt(p.d.key.queryid, 10))
		a.PutStr(contract.PGRoleName, p.d.rolname)
		if t, ok := q.texts.Peek(p.d.key); ok && t.text != "" {
			a.PutStr(contract.AttrQueryText, t.text)
			a.PutStr(contract.AttrQueryTextHash, normalizedHash(t.text))
			a.PutStr(contract.AttrOperationName, t.op)
		}
	}
	lb.Logs().ResourceLogs().MoveAndAppendTo(b.Logs.ResourceLogs())
}
