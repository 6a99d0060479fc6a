package postgres

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/jackc/pgx/v5"

	"github.com/dbintel/dbintel/pkg/pipeline"
	"github.com/dbintel/dbintel/pkg/scrape"
	"github.com/dbintel/dbintel/pkg/sqlmask"
)

var mSessions = m("postgresql.sessions", "{session}",
	"Sessions by database, state and wait event, averaged over the samples of the emission interval (active session history).", scrape.Gauge, on, extra).from("pg_stat_activity")

// Bounds of one emission window; what does not fit is counted, not kept.
const (
	maxSessionSeries = 2000 // (database, state, wait event) combinations
	obfuscatedCache  = 2000 // raw text -> obfuscated, so a busy server's texts are not re-lexed every second
)

type sessionSeries struct{ db, state, waitType, waitEvent string }

type sampleKey struct {
	pid        int32
	queryStart int64
	state      string
	waitType   string
	waitEvent  string
}

// sampleAgg is one session doing one thing, seen in count samples.
type sampleAgg struct {
	last  session
	count int
}

// sessions samples pg_stat_activity every SampleInterval and emits every
// EmitInterval.
type sessions struct {
	target scrape.Target
	conn   *Conn
	cfg    SessionsConfig
	m      *pgMetrics
	log    *slog.Logger
	obf    *sqlmask.Obfuscator
	texts  *lru.Cache[string, [2]string]

	windowStart time.Time
	samples     int
	counts      map[sessionSeries]int
	active      map[sampleKey]*sampleAgg
	order       []sampleKey // first-seen order, for stable output
	chains      map[int32][]chainNode
	emitted     bool
	warnedPriv  bool
}

func newSessions(target scrape.Target, conn *Conn, cfg SessionsConfig, m *pgMetrics, log *slog.Logger) *sessions {
	s := &sessions{target: target, conn: conn, cfg: cfg, m: m, log: log, obf: sqlmask.New("postgresql")}
	s.texts, _ = lru.New[string, [2]string](obfuscatedCache)
	s.resetWindow(time.Time{})
	return s
}

func (s *sessions) Name() string            { return "postgresql.sessions" }
func (s *sessions) Interval() time.Duration { return s.cfg.SampleInterval }

func (s *sessions) resetWindow(now time.Time) {
	s.windowStart, s.samples = now, 0
	s.counts = map[sessionSeries]int{}
	s.active = map[sampleKey]*sampleAgg{}
	s.order = nil
	s.chains = map[int32][]chainNode{}
}

func (s *sessions) Collect(ctx context.Context, now time.Time) (pipeline.Batch, error) {
	var sample []session
	err := s.conn.Do(ctx, func(ctx context.Context, conn *pgx.Conn, version int) error {
		var err error
		sample, err = readActivity(ctx, conn, version)
		return err
	})
	if err != nil {
		return pipeline.Batch{}, fmt.Errorf("scrape %s: sessions: %w", s.target.Name(), err)
	}
	if s.windowStart.IsZero() {
		s.windowStart = now
	}
	s.add(sample)
	// The first sample is emitted at once so `scraper --once` shows it.
	if s.emitted && now.Sub(s.windowStart) < s.cfg.EmitInterval {
		return pipeline.NewBatch(), nil
	}
	s.emitted = true
	b := s.emit(now)
	s.resetWindow(now)
	return b, nil
}

// add folds one sample into the window.
// insufficientPrivilege is what pg_stat_activity shows instead of another
// role's query when the scraper's role lacks pg_read_all_stats.
const insufficientPrivilege = "<insufficient privilege>"

func (s *sessions) add(sample []session) {
	s.samples++
	for i := range sample {
		if sample[i].query == insufficientPrivilege {
			sample[i].query = ""
			if !s.warnedPriv {
				s.warnedPriv = true
				s.log.Warn("pg_stat_activity hides other roles' queries and waits from the scraper; samples lack them",
					"fix", "GRANT pg_monitor TO <scraper role>")
			}
		}
	}
	for _, x := range sample {
		k := sessionSeries{db: x.datname, state: x.state, waitType: x.waitType, waitEvent: x.waitEvent}
		if _, ok := s.counts[k]; ok || len(s.counts) < maxSessionSeries {
			s.counts[k]++
		} else {
			s.m.sessDropped.Inc()
		}
		if x.state == "" || x.state == "idle" || x.backend != "client backend" {
			continue
		}
		sk := sampleKey{pid: x.pid, state: x.state, waitType: x.waitType, waitEvent: x.waitEvent}
		if x.queryStart != nil {
			sk.queryStart = x.queryStart.UnixNano()
		}
		if a, ok := s.active[sk]; ok {
			a.last, a.count = x, a.count+1
		} else if len(s.active) < s.cfg.MaxSamples {
			s.active[sk] = &sampleAgg{last: x, count: 1}
			s.order = append(s.order, sk)
		} else {
			s.m.sessDropped.Inc()
		}
	}
	for _, c := range blockingChains(sample) {
		s.chains[c[0].s.pid] = c // the latest view of each root's chain
	}
}

func (s *sessions) obfuscate(raw string) (text, op string) {
	if raw == "" {
		return "", ""
	}
	if v, ok := s.texts.Get(raw); ok {
		return v[0], v[1]
	}
	text, op = s.obf.Obfuscate(raw)
	s.texts.Add(raw, [2]string{text, op})
	return text, op
}

func (s *sessions) emit(now time.Time) pipeline.Batch {
	mb := scrape.NewMetricsBuilder(s.target, scopeName)
	for k, n := range s.counts {
		mb.Double(mSessions.MetricDef, time.Time{}, now, float64(n)/float64(s.samples),
			"db.namespace", k.db, "state", k.state, "wait_event_type", k.waitType, "wait_event", k.waitEvent)
	}
	lb := scrape.NewLogsBuilder(s.target, scopeName)
	for _, k := range s.order {
		a := s.active[k]
		lr := lb.Event(a.last.datname, "db.server.query_sample", now)
		s.sessionAttrs(lr.Attributes(), a.last)
		lr.Attributes().PutInt("postgresql.sample_count", int64(a.count))
	}
	for _, c := range s.chains {
		s.blockingEvent(lb, c, now)
	}
	return scrape.Batch(mb, lb)
}

// sessionAttrs writes the attributes of one session (postgresqlreceiver's
// query_sample names, plus the shared db.query.* ones).
func (s *sessions) sessionAttrs(a pcommonMap, x session) {
	text, op := s.obfuscate(x.query)
	a.PutInt("postgresql.pid", int64(x.pid))
	a.PutStr("postgresql.state", x.state)
	a.PutStr("postgresql.wait_event_type", x.waitType)
	a.PutStr("postgresql.wait_event", x.waitEvent)
	a.PutStr("postgresql.application_name", x.app)
	a.PutStr("postgresql.backend_type", x.backend)
	a.PutStr("user.name", x.user)
	if text != "" {
		a.PutStr("db.query.text", text)
	}
	if op != "" {
		a.PutStr("db.operation.name", op)
	}
	if x.queryID != nil && *x.queryID != 0 {
		a.PutStr("db.query.id", strconv.FormatInt(*x.queryID, 10))
	}
	if x.queryStart != nil {
		a.PutStr("postgresql.query_start", x.queryStart.UTC().Format(time.RFC3339Nano))
		if x.state == "active" {
			a.PutDouble("db.query.duration", x.now.Sub(*x.queryStart).Seconds())
		}
	}
	if x.xactStart != nil {
		a.PutStr("postgresql.blocking.transaction.start_time", x.xactStart.UTC().Format(time.RFC3339))
		a.PutDouble("postgresql.transaction.duration", x.now.Sub(*x.xactStart).Seconds())
	}
	if len(x.blockedBy) > 0 {
		pids := a.PutEmptySlice("postgresql.blocking.pids")
		for _, p := range x.blockedBy {
			pids.AppendEmpty().SetInt(int64(p))
		}
		a.PutStr("postgresql.blocking.lock.mode", x.lockMode)
		a.PutStr("postgresql.blocking.lock.type", x.lockType)
		a.PutStr("postgresql.blocking.lock.relation", x.lockRelation)
		if x.waitStart != nil {
			a.PutStr("postgresql.blocking.start_time", x.waitStart.UTC().Format(time.RFC3339Nano))
			a.PutInt("postgresql.blocking.wait_duration", int64(x.now.Sub(*x.waitStart).Seconds()))
		}
	}
}
