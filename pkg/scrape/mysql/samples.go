package mysql

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"sort"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/dbintel/dbintel/pkg/contract"
	"github.com/dbintel/dbintel/pkg/pipeline"
	"github.com/dbintel/dbintel/pkg/scrape"
	"github.com/dbintel/dbintel/pkg/scrape/sqlhash"
	"github.com/dbintel/dbintel/pkg/sqlmask"
)

var mSessions = md("mysql.sessions", "{session}",
	"Sessions by schema, command, wait event type and wait event, averaged over the samples of the emission interval (active session history).", scrape.Gauge)

// Bounds of one emission window; what does not fit is left out.
const (
	maxSessionSeries = 2000 // (schema, command, wait) combinations
	obfuscatedCache  = 2000 // raw text -> obfuscated, so a busy server's texts are not re-lexed every second
)

type sessionSeries struct{ db, command, waitType, waitEvent string }

// sampleKey is one session doing one thing: the same statement (by its
// start second) in the same wait.
type sampleKey struct {
	id                  int64
	start               int64
	waitType, waitEvent string
}

type sampleAgg struct {
	last  session
	count int
}

// samples samples the sessions every SampleInterval and emits every
// EmitInterval: session metrics, query_sample events, blocking events and,
// when enabled, plans of the longest-running SELECTs.
type samples struct {
	target  scrape.Target
	conn    *Conn
	cfg     SamplesConfig
	log     *slog.Logger
	obf     *sqlmask.Obfuscator
	texts   *lru.Cache[string, [3]string] // raw text -> obfuscated, operation, normalized hash
	explain *explainer                    // nil when explain is off

	windowStart time.Time
	n           int
	counts      map[sessionSeries]int
	active      map[sampleKey]*sampleAgg
	chains      map[int64][]chainNode
	threadIDs   map[int64]int64 // session id -> performance_schema thread id, of the window
	emitted     bool
	warned      map[string]bool // once-per-lifetime hints
}

func newSamples(target scrape.Target, conn *Conn, cfg Config, log *slog.Logger, m *selfMetrics) *samples {
	s := &samples{target: target, conn: conn, cfg: cfg.Samples, log: log, obf: sqlmask.New("mysql"), warned: map[string]bool{}}
	s.texts, _ = lru.New[string, [3]string](obfuscatedCache)
	if cfg.Explain.Enabled {
		s.explain = newExplainer(cfg.Explain, s.obf, m)
	}
	s.resetWindow(time.Time{})
	return s
}

func (s *samples) Name() string            { return "mysql.samples" }
func (s *samples) Interval() time.Duration { return s.cfg.SampleInterval }

func (s *samples) resetWindow(now time.Time) {
	s.windowStart, s.n = now, 0
	s.counts = map[sessionSeries]int{}
	s.active = map[sampleKey]*sampleAgg{}
	s.chains = map[int64][]chainNode{}
	s.threadIDs = map[int64]int64{}
}

func (s *samples) Collect(ctx context.Context, now time.Time) (pipeline.Batch, error) {
	var target scrape.Target
	var plans []planResult
	emitNow := false
	err := s.conn.Do(ctx, func(ctx context.Context, conn *sql.Conn, info serverInfo) error {
		target = withSystem(s.target, info)
		sample, err := readSessions(ctx, conn, info)
		if err != nil {
			return err
		}
		s.hintSetup(ctx, conn, info)
		if waits, err := readLockWaits(ctx, conn, info); err != nil {
			s.warnOnce("lockwaits", "cannot read InnoDB lock waits; blocking events are missing",
				"error", err, "fix", "GRANT PROCESS ON *.* TO <scraper user>")
		} else {
			applyLockWaits(sample, waits)
		}
		if s.windowStart.IsZero() {
			s.windowStart = now
		}
		s.add(sample, now)
		// The first sample is emitted at once so `scraper --once` shows it.
		emitNow = !s.emitted || now.Sub(s.windowStart) >= s.cfg.EmitInterval
		if emitNow && s.explain != nil {
			plans = s.explain.run(ctx, conn, info, s.candidates(), now)
		}
		return nil
	})
	if err != nil {
		return pipeline.Batch{}, fmt.Errorf("scrape %s: samples: %w", s.target.Name(), err)
	}
	if !emitNow {
		return pipeline.NewBatch(), nil
	}
	s.emitted = true
	b := s.emit(target, plans, now)
	s.resetWindow(now)
	return b, nil
}

// hintSetup says once how to get wait events and digests into samples when
// performance_schema is off or its current-statement consumer is.
func (s *samples) hintSetup(ctx context.Context, conn *sql.Conn, info serverInfo) {
	if s.warned["setup"] {
		return
	}
	if !info.ps {
		s.warnOnce("setup", "performance_schema is OFF: samples come from the processlist, without digests and wait events", "fix", psOffFix)
		return
	}
	need := append(append([]string(nil), currentConsumers...), "events_waits_current")
	if off, err := disabledConsumers(ctx, conn, need); err == nil && len(off) > 0 {
		s.warnOnce("setup", "performance_schema consumers are disabled: samples lack digests or wait events", "consumers", off, "fix", consumerFix(off))
	}
	s.warned["setup"] = true
}

func (s *samples) warnOnce(key, msg string, args ...any) {
	if !s.warned[key] {
		s.warned[key] = true
		s.log.Warn(msg, args...)
	}
}

// add folds one sample into the window.
func (s *samples) add(sample []session, now time.Time) {
	s.n++
	for _, x := range sample {
		if x.threadID > 0 && len(s.threadIDs) < maxSessionSeries {
			s.threadIDs[x.id] = x.threadID
		}
		_, waitType, waitEvent := x.waitAttrs()
		k := sessionSeries{db: x.db, command: x.command, waitType: waitType, waitEvent: waitEvent}
		if _, ok := s.counts[k]; ok || len(s.counts) < maxSessionSeries {
			s.counts[k]++
		}
		if x.idle() {
			continue
		}
		sk := sampleKey{id: x.id, start: now.Add(-time.Duration(x.elapsedS * float64(time.Second))).Unix(), waitType: x.waitType, waitEvent: x.waitEvent}
		if a, ok := s.active[sk]; ok {
			a.last, a.count = x, a.count+1
		} else if len(s.active) < s.cfg.MaxSamples {
			s.active[sk] = &sampleAgg{last: x, count: 1}
		}
	}
	for _, c := range blockingChains(sample) {
		s.chains[c[0].s.id] = c // the latest view of each root's chain
	}
}

// ordered returns the window's samples, longest-running first.
func (s *samples) ordered() []*sampleAgg {
	out := make([]*sampleAgg, 0, len(s.active))
	for _, a := range s.active {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].last.elapsedS != out[j].last.elapsedS {
			return out[i].last.elapsedS > out[j].last.elapsedS
		}
		return out[i].last.id < out[j].last.id
	})
	return out
}

// candidates are the sampled statements worth explaining, slowest first.
func (s *samples) candidates() []session {
	var out []session
	for _, a := range s.ordered() {
		if a.last.text != "" && a.last.command == "Query" {
			out = append(out, a.last)
		}
	}
	return out
}

// obfuscate returns a raw text's obfuscated form, operation and
// normalized hash, cached.
func (s *samples) obfuscate(raw string) (text, op, hash string) {
	if raw == "" {
		return "", "", ""
	}
	if v, ok := s.texts.Get(raw); ok {
		return v[0], v[1], v[2]
	}
	text, op = s.obf.Obfuscate(raw)
	hash = sqlhash.Hash(raw)
	s.texts.Add(raw, [3]string{text, op, hash})
	return text, op, hash
}

func (s *samples) emit(target scrape.Target, plans []planResult, now time.Time) pipeline.Batch {
	mb := scrape.NewMetricsBuilder(target, scopeName)
	for k, n := range s.counts {
		mb.Double(mSessions, time.Time{}, now, float64(n)/float64(s.n),
			contract.AttrNamespace, k.db, "command", k.command, "wait_event_type", k.waitType, "wait_event", k.waitEvent)
	}
	lb := scrape.NewLogsBuilder(target, scopeName)
	planned := make(map[string]string, len(plans)) // digest -> plan hash, for the samples a plan explains
	for _, p := range plans {
		planned[p.queryID] = p.planHash()
	}
	for _, a := range s.ordered() {
		lr := lb.Event(a.last.db, contract.EventQuerySample, now)
		s.sessionAttrs(lr.Attributes(), a.last)
		lr.Attributes().PutInt(contract.AttrSampleCount, int64(a.count))
		if h, ok := planned[a.last.digest]; ok && h != "" {
			lr.Attributes().PutStr(contract.MySQLQueryPlanHash, h)
		}
	}
	roots := make([]int64, 0, len(s.chains))
	for r := range s.chains {
		roots = append(roots, r)
	}
	sort.Slice(roots, func(i, j int) bool { return roots[i] < roots[j] })
	for _, r := range roots {
		s.blockingEvent(lb, s.chains[r], now)
	}
	for _, p := range plans {
		planEvent(lb, p, now)
	}
	return scrape.Batch(mb, lb)
}
