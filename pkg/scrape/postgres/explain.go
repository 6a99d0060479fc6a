package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// explainer runs opt-in EXPLAIN (FORMAT JSON) — never ANALYZE, so the
// statement is planned, not executed — for the slowest statements of an
// interval. Texts from pg_stat_statements have $n parameters, so the plan
// is a generic one: GENERIC_PLAN on 16+, PREPARE with
// plan_cache_mode=force_generic_plan and NULL arguments before. Every
// attempt runs in a READ ONLY transaction that is rolled back, under the
// session's statement_timeout; each statement gets at most PerHour
// attempts an hour, and a failing one is not retried for ErrorTTL.
type explainer struct {
	cfg      ExplainConfig
	attempts *lru.Cache[stmtKey, []time.Time]
	failed   *lru.Cache[stmtKey, time.Time]
	warned   *lru.Cache[string, warnState] // by error class
}

// warnState rate-limits the WARN lines of one error class.
type warnState struct {
	at         time.Time
	suppressed int
}

// explainWarnEvery is how often one class of EXPLAIN failure is logged;
// the failures counter counts every one.
const explainWarnEvery = time.Hour

// explainCacheSize bounds the per-statement budget and error memory.
const explainCacheSize = 5000

func newExplainer(cfg ExplainConfig) *explainer {
	e := &explainer{cfg: cfg}
	e.attempts, _ = lru.New[stmtKey, []time.Time](explainCacheSize)
	e.failed, _ = lru.New[stmtKey, time.Time](explainCacheSize)
	e.warned, _ = lru.New[string, warnState](64)
	return e
}

var (
	paramRe    = regexp.MustCompile(`\$(\d+)`)
	readOnlyRe = regexp.MustCompile(`(?is)^\s*(select|with)\b`)
	writeRe    = regexp.MustCompile(`(?i)\b(insert|update|delete|merge|into|for\s+update|for\s+share|for\s+no\s+key|for\s+key)\b`)
)

// explainable reports whether text is a plain read: SELECT or WITH, and no
// data-modifying CTE, SELECT INTO or row-locking clause.
func explainable(text string) bool {
	return readOnlyRe.MatchString(text) && !writeRe.MatchString(text) && !strings.Contains(text, ";")
}

// dmlRe matches the statements an explain function may also be given.
var dmlRe = regexp.MustCompile(`(?is)^\s*(select|with|insert|update|delete|merge)\b`)

// explainableWith is explainable, widened to INSERT/UPDATE/DELETE/MERGE
// when the DBA installed an explain function: that function decides what
// it explains (and with which rights), the scraper only calls it.
func (e *explainer) explainableWith(text string) bool {
	if e.cfg.Function == "" {
		return explainable(text)
	}
	return dmlRe.MatchString(text) && !strings.Contains(text, ";")
}

// allow applies the error cache and the hourly budget.
func (e *explainer) allow(k stmtKey, now time.Time) bool {
	if until, ok := e.failed.Get(k); ok && now.Before(until) {
		return false
	}
	var recent []time.Time
	if ts, ok := e.attempts.Get(k); ok {
		for _, t := range ts {
			if now.Sub(t) < time.Hour {
				recent = append(recent, t)
			}
		}
	}
	if len(recent) >= e.cfg.PerQueryPerHour {
		return false
	}
	e.attempts.Add(k, append(recent, now))
	return true
}

// explain returns the JSON plan of text (the first element of EXPLAIN's
// JSON array).
func (e *explainer) explain(ctx context.Context, conn *pgx.Conn, version int, k stmtKey, text string, now time.Time) ([]byte, error) {
	plan, err := explainTx(ctx, conn, version, text, e.cfg.Function)
	if err != nil {
		e.failed.Add(k, now.Add(e.cfg.ErrorTTL))
		return nil, err
	}
	return plan, nil
}

// warn logs a failed EXPLAIN at WARN, once per error class (SQLSTATE, or
// "client" for errors raised before the server answered) and hour, so a
// broken setup is visible without flooding the log.
func (e *explainer) warn(log *slog.Logger, k stmtKey, err error, now time.Time) {
	class := "client"
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		class = "SQLSTATE " + pgErr.Code
	}
	st, seen := e.warned.Get(class)
	if seen && now.Sub(st.at) < explainWarnEvery {
		st.suppressed++
		e.warned.Add(class, st)
		return
	}
	e.warned.Add(class, warnState{at: now})
	log.Warn("opt-in EXPLAIN failed; the statement is not retried for explain.error_ttl", "class", class,
		"queryid", k.queryid, "error", err, "same_class_since_last_warning", st.suppressed, "error_ttl", e.cfg.ErrorTTL)
}

func explainTx(ctx context.Context, conn *pgx.Conn, version int, text, function string) (plan []byte, err error) {
	// BEGIN/ROLLBACK carry the marker too: pg_stat_statements tracks them.
	if _, err := conn.Exec(ctx, ownMarker+"BEGIN READ ONLY", pgx.QueryExecModeSimpleProtocol); err != nil {
		return nil, err
	}
	defer func() {
		if _, rbErr := conn.Exec(context.WithoutCancel(ctx), ownMarker+"ROLLBACK", pgx.QueryExecModeSimpleProtocol); rbErr != nil && err == nil {
			err = rbErr
		}
	}()
	tx := conn
	nParams := 0
	for _, m := range paramRe.FindAllStringSubmatch(text, -1) {
		n, _ := strconv.Atoi(m[1])
		nParams = max(nParams, n)
	}
	var out []byte
	switch {
	case function != "":
		// Validated as a (schema-qualified) identifier; the text is a parameter.
		err = tx.QueryRow(ctx, ownMarker+"SELECT "+function+"($1)::text", text).Scan(&out)
	case nParams == 0:
		out, err = simpleQuery(ctx, tx, ownMarker+"EXPLAIN (FORMAT JSON) "+text)
	case version >= 160000:
		out, err = simpleQuery(ctx, tx, ownMarker+"EXPLAIN (FORMAT JSON, GENERIC_PLAN) "+text)
	default:
		out, err = explainPrepared(ctx, tx, text, nParams)
	}
	if err != nil {
		return nil, fmt.Errorf("explain: %w", err)
	}
	return unwrapExplain(out)
}

// simpleQuery sends sql in one simple-protocol Query message exactly as
// written and returns the single value it yields. pgx's own simple-protocol
// mode would substitute $n on the client and fail for want of arguments
// ("insufficient arguments"), and the extended protocol would make $n
// parameters the server expects values for.
func simpleQuery(ctx context.Context, conn *pgx.Conn, sql string) ([]byte, error) {
	noteOwn(conn, sql)
	res, err := conn.PgConn().Exec(ctx, sql).ReadAll()
	if err != nil {
		return nil, err
	}
	if len(res) != 1 || len(res[0].Rows) != 1 || len(res[0].Rows[0]) != 1 {
		return nil, errors.New("explain: unexpected output")
	}
	return res[0].Rows[0][0], nil
}

// explainPrepared is the pre-16 generic plan: a prepared statement forced
// to its generic plan, explained with NULL arguments. Statements whose
// parameter types cannot be inferred fail here, and are cached as failed.
func explainPrepared(ctx context.Context, tx *pgx.Conn, text string, n int) ([]byte, error) {
	if _, err := tx.Exec(ctx, ownMarker+"SET LOCAL plan_cache_mode = force_generic_plan", pgx.QueryExecModeSimpleProtocol); err != nil {
		return nil, err
	}
	if _, err := tx.Exec(ctx, ownMarker+"PREPARE dbintel_explain AS "+text, pgx.QueryExecModeSimpleProtocol); err != nil {
		return nil, err
	}
	args := strings.TrimSuffix(strings.Repeat("NULL, ", n), ", ")
	var out []byte
	err := tx.QueryRow(ctx, ownMarker+"EXPLAIN (FORMAT JSON) EXECUTE dbintel_explain("+args+")", pgx.QueryExecModeSimpleProtocol).Scan(&out)
	// A prepared statement outlives the transaction: always drop it.
	tx.Exec(context.WithoutCancel(ctx), ownMarker+"DEALLOCATE dbintel_explain", pgx.QueryExecModeSimpleProtocol)
	return out, err
}

// unwrapExplain turns EXPLAIN's `[ {"Plan": ...} ]` into `{"Plan": ...}`.
func unwrapExplain(out []byte) ([]byte, error) {
	s := strings.TrimSpace(string(out))
	if !strings.HasPrefix(s, "[") || !strings.HasSuffix(s, "]") {
		return nil, errors.New("explain: unexpected output")
	}
	return []byte(strings.TrimSpace(s[1 : len(s)-1])), nil
}
