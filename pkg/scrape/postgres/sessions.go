package postgres

import (
	"context"
	"fmt"
	"log/slog"
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

var mSessions = m("postgresql.sessions", "{session}",
	"Sessions by database, state and wait event, averaged over the samples of the emission interval (active session history).", scrape.Gauge, on, extra).from("pg_stat_activity")

// Bounds of one emission window; what does not fit is counted, not kept.
const (
	maxSessionSeries = 2000 // (database, state, wait event) combinations
	obfuscatedCache  = 2000 // raw text -> obfuscated, so a busy server's texts are not re-lexed every second
	internedStrings  = 1000 // distinct column values shared per window (texts are at most track_activity_query_size)
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
	strs   *interner
	sample []session // reused by every sample

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
	s := &sessions{target: target, conn: conn, cfg: cfg, m: m, log: log, obf: sqlmask.New("postgresql"),
		strs: newInterner(internedStrings)}
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
	s.strs.reset()
}

func (s *sessions) Collect(ctx context.Context, now time.Time) (pipeline.Batch, error) {
	err := s.conn.Do(ctx, func(ctx context.Context, conn *pgx.Conn, version int) error {
		sample, err := readActivity(ctx, conn, version, s.sample, s.strs)
		s.sample = sample
		return err
	})
	if err != nil {
		return pipeline.Batch{}, fmt.Errorf("scrape %s: sessions: %w", s.target.Name(), err)
	}
	if s.windowStart.IsZero() {
		s.windowStart = now
	}
	s.add(s.sample)
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
			contract.AttrNamespace, k.db, "state", k.state, "wait_event_type", k.waitType, "wait_event", k.waitEvent)
	}
	lb := scrape.NewLogsBuilder(s.target, scopeName)
	for _, k := range s.order {
		a := s.active[k]
		lr := lb.Event(a.last.datname, contract.EventQuerySample, now)
		s.sessionAttrs(lr.Attributes(), a.last)
		lr.Attributes().PutInt(contract.AttrSampleCount, int64(a.count))
	}
	for _, c := range s.chains {
		s.blockingEvent(lb, c, now)
	}
	return scrape.Batch(mb, lb)
}

// sessionAttrs writes the attributes of one session with
// nrpostgresqlreceiver's query_sample names and forms (unset values are
// empty strings or 0, as the receiver sends them), plus dbintel's extras.
func (s *sessions) sessionAttrs(a pcommonMap, x session) {
	text, op := s.obfuscate(x.query)
	a.PutStr(contract.AttrQueryText, text)
	if text != "" {
		a.PutStr(contract.AttrQueryTextHash, normalizedHash(text))
	}
	if op != "" {
		a.PutStr(contract.AttrOperationName, op)
	}
	tags := commentTags(x.query)
	a.PutStr(contract.PGQueryCommentTags, tags.raw)
	a.PutStr(contract.PGCommentServiceGUID, tags.serviceGUID)
	a.PutStr(contract.AttrUserName, x.user)
	a.PutStr(contract.PGState, x.state)
	a.PutInt(contract.PGPID, int64(x.pid))
	a.PutStr(contract.PGApplicationName, x.app)
	a.PutStr(contract.AttrPeerAddress, x.clientAddr)
	a.PutInt(contract.AttrPeerPort, int64(x.clientPort))
	a.PutStr(contract.PGClientHostname, x.clientHost)
	a.PutStr(contract.PGWaitEvent, x.waitEvent)
	a.PutStr(contract.PGWaitEventType, x.waitType)
	a.PutStr(contract.PGSampleQueryID, "")
	if x.queryID != nil && *x.queryID != 0 {
		a.PutStr(contract.PGSampleQueryID, strconv.FormatInt(*x.queryID, 10))
	}
	a.PutStr(contract.PGQueryStart, rfc3339(x.queryStart, time.RFC3339Nano))
	if x.queryStart != nil && x.state == "active" {
		a.PutDouble(contract.PGTotalExecTime, float64(x.now.Sub(*x.queryStart).Microseconds())/1000)
	}
	a.PutStr(contract.PGBackendStart, rfc3339(x.backendStart, time.RFC3339Nano))
	if x.backendStart != nil {
		a.PutInt(contract.PGSessionDuration, int64(x.now.Sub(*x.backendStart).Seconds()))
	}
	a.PutStr(contract.PGBlockingPIDs, pgArray(x.blockedBy))
	a.PutStr(contract.PGBlockingLockMode, x.lockMode)
	a.PutStr(contract.PGBlockingLockType, x.lockType)
	a.PutStr(contract.PGBlockingRelation, x.lockRelation)
	a.PutStr(contract.PGBlockingStartTime, rfc3339(x.waitStart, time.RFC3339))
	a.PutInt(contract.PGBlockingWait, 0)
	if x.waitStart != nil {
		a.PutInt(contract.PGBlockingWait, int64(x.now.Sub(*x.waitStart).Seconds()))
	}
	a.PutStr(contract.PGBlockingXactStart, rfc3339(x.xactStart, time.RFC3339))
	if x.xactStart != nil {
		a.PutDouble(contract.PGXactDuration, x.now.Sub(*x.xactStart).Seconds())
	}
	a.PutStr(contract.PGBackendType, x.backend)
}

// rfc3339 formats t in UTC, "" for nil (the receiver's empty value).
func rfc3339(t *time.Time, layout string) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(layout)
}

// pgArray formats pids as PostgreSQL's array text ("{1,2}", "{}"), the
// form the receiver sends pg_blocking_pids in.
func pgArray(pids []int32) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, p := range pids {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(int(p)))
	}
	b.WriteByte('}')
	return b.String()
}
