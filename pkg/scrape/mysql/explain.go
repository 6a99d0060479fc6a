package mysql

import (
	"context"
	"database/sql"
	"fmt"
	"hash/fnv"
	"strings"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/dbintel/dbintel/pkg/contract"
	"github.com/dbintel/dbintel/pkg/scrape"
	"github.com/dbintel/dbintel/pkg/scrape/sqlhash"
	"github.com/dbintel/dbintel/pkg/sqlmask"
)

// budgetWindow is the window of max_per_query_per_hour, and how long a
// failing statement is not retried and an unchanged plan not re-sent.
const budgetWindow = time.Hour

// explainState is what the explainer remembers about one query.
type explainState struct {
	windowStart time.Time
	count       int
	failedUntil time.Time
	planHash    uint64
	sentAt      time.Time
}

// planResult is one plan ready to send.
type planResult struct {
	s       session
	text    string // obfuscated
	op      string
	queryID string
	plan    []byte // masked
}

// explainer runs EXPLAIN FORMAT=JSON (never ANALYZE: the statement is not
// executed) for sampled SELECTs, within a per-query budget, remembering
// failures and plans per query in one bounded LRU.
type explainer struct {
	cfg   ExplainConfig
	obf   *sqlmask.Obfuscator
	m     *selfMetrics
	state *lru.Cache[string, *explainState]
}

func newExplainer(cfg ExplainConfig, obf *sqlmask.Obfuscator, m *selfMetrics) *explainer {
	st, _ := lru.New[string, *explainState](cfg.CacheSize)
	return &explainer{cfg: cfg, obf: obf, m: m, state: st}
}

// run explains up to MaxPerEmission candidates (slowest first). A
// statement that fails is not retried for an hour; an error that broke the
// connection ends the run so the connection is re-established.
func (e *explainer) run(ctx context.Context, conn *sql.Conn, info serverInfo, cands []session, now time.Time) []planResult {
	var out []planResult
	done := 0
	for _, c := range cands {
		if done >= e.cfg.MaxPerEmission {
			break
		}
		text, op := e.obf.Obfuscate(c.text)
		if !explainable(c.text, op) {
			e.m.explains.WithLabelValues("rejected").Inc()
			continue
		}
		key := c.digest
		if key == "" {
			key = text
		}
		st, ok := e.state.Get(key)
		if !ok {
			st = &explainState{windowStart: now}
			e.state.Add(key, st)
		}
		if now.Before(st.failedUntil) {
			e.m.explains.WithLabelValues("skipped_error_cache").Inc()
			continue
		}
		if now.Sub(st.windowStart) >= budgetWindow {
			st.windowStart, st.count = now, 0
		}
		if st.count >= e.cfg.MaxPerQueryPerHour {
			e.m.explains.WithLabelValues("skipped_budget").Inc()
			continue
		}
		st.count++
		done++
		raw, err := e.explain(ctx, conn, info, c)
		var plan []byte
		if err == nil {
			plan, err = maskPlan(raw, e.obf)
		}
		if err != nil {
			st.failedUntil = now.Add(budgetWindow)
			e.m.explains.WithLabelValues("error").Inc()
			if broken(err) {
				return out
			}
			continue
		}
		h := fnv.New64a()
		h.Write(plan)
		sum := h.Sum64()
		if sum == st.planHash && now.Sub(st.sentAt) < budgetWindow {
			e.m.explains.WithLabelValues("skipped_unchanged").Inc()
			continue
		}
		st.planHash, st.sentAt = sum, now
		e.m.explains.WithLabelValues("ok").Inc()
		out = append(out, planResult{s: c, text: text, op: op, queryID: c.digest, plan: plan})
	}
	return out
}

// explainable accepts a complete, single, read-only SELECT (or WITH ...
// SELECT) text: no `?` placeholder (a server-side prepared statement's
// text cannot be planned without its values) and no second statement.
func explainable(raw, op string) bool {
	if op != "SELECT" || strings.Contains(raw, "?") {
		return false
	}
	if i := strings.IndexByte(raw, ';'); i >= 0 && strings.TrimSpace(raw[i+1:]) != "" {
		return false
	}
	switch strings.ToUpper(firstWord(raw)) {
	case "SELECT":
		return true
	case "WITH": // MySQL 8 allows WITH ... UPDATE/DELETE
		return mainVerb(raw) == "SELECT"
	}
	return false
}

// verbs are the keywords that start the main statement after a WITH list.
var verbs = map[string]bool{"SELECT": true, "UPDATE": true, "DELETE": true, "INSERT": true, "REPLACE": true, "TABLE": true, "VALUES": true}

// mainVerb returns the first statement keyword outside parentheses and
// quotes after the leading WITH: the CTE bodies are all parenthesised.
func mainVerb(s string) string {
	depth := 0
	var quote byte
	word := strings.Builder{}
	flush := func() string {
		w := strings.ToUpper(word.String())
		word.Reset()
		if depth == 0 && w != "WITH" && verbs[w] {
			return w
		}
		return ""
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if quote != 0 {
			if c == quote {
				quote = 0
			}
			continue
		}
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_' {
			word.WriteByte(c)
			continue
		}
		if v := flush(); v != "" { // before c can change the depth
			return v
		}
		switch c {
		case '\'', '"', '`':
			quote = c
		case '(':
			depth++
		case ')':
			depth--
		}
	}
	return flush()
}

// firstWord skips whitespace, comments and opening parentheses.
func firstWord(s string) string {
	for {
		s = strings.TrimLeft(s, " \t\r\n(")
		switch {
		case strings.HasPrefix(s, "/*"):
			end := strings.Index(s, "*/")
			if end < 0 {
				return ""
			}
			s = s[end+2:]
		case strings.HasPrefix(s, "--"), strings.HasPrefix(s, "#"):
			end := strings.IndexByte(s, '\n')
			if end < 0 {
				return ""
			}
			s = s[end+1:]
		default:
			end := strings.IndexFunc(s, func(r rune) bool { return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z') })
			if end < 0 {
				return s
			}
			return s[:end]
		}
	}
}

// explain runs the EXPLAIN in the statement's schema with a server-side
// time limit (MariaDB: SET STATEMENT max_statement_time; MySQL: the client
// deadline, as max_execution_time does not cover EXPLAIN).
func (e *explainer) explain(ctx context.Context, conn *sql.Conn, info serverInfo, c session) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, e.cfg.Timeout+time.Second)
	defer cancel()
	if c.db != "" {
		if _, err := conn.ExecContext(ctx, "USE `"+strings.ReplaceAll(c.db, "`", "``")+"`"); err != nil {
			return nil, fmt.Errorf("explain: use schema: %w", err)
		}
	}
	q := "EXPLAIN FORMAT=JSON " + c.text
	if info.mariadb {
		q = fmt.Sprintf("SET STATEMENT max_statement_time = %.3f FOR %s", e.cfg.Timeout.Seconds(), q)
	}
	var plan string
	if err := conn.QueryRowContext(ctx, q).Scan(&plan); err != nil {
		return nil, fmt.Errorf("explain: %w", err)
	}
	return []byte(plan), nil
}

// planEvent writes one db.server.query_plan event as nrmysqlreceiver does:
// the masked plan JSON in mysql.query_plan (the body stays empty: New Relic
// would explode a JSON body into attributes), mysql.query_plan.hash the
// statement's digest, the source the event the plan was explained for.
func planEvent(lb *scrape.LogsBuilder, p planResult, now time.Time) {
	lr := lb.Event(p.s.db, contract.EventQueryPlan, now)
	a := lr.Attributes()
	a.PutStr(contract.MySQLQueryPlan, string(p.plan))
	a.PutStr(contract.MySQLQueryPlanHash, p.planHash())
	a.PutStr(contract.MySQLQueryPlanSource, contract.MySQLPlanSourceSample)
	if p.queryID != "" {
		a.PutStr(contract.MySQLCurrentDigest, p.queryID)
	}
	a.PutStr(contract.AttrQueryText, p.text)
	a.PutStr(contract.AttrQueryTextHash, sqlhash.Hash(p.s.text))
	a.PutStr(contract.AttrOperationName, p.op)
}

// planHash is the receiver's mysql.query_plan.hash: the digest, or without
// one (performance_schema off) the statement's normalized hash.
func (p planResult) planHash() string {
	if p.queryID != "" {
		return p.queryID
	}
	return sqlhash.Hash(p.s.text)
}
