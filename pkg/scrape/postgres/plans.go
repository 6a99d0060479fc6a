package postgres

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"time"

	"github.com/dbintel/dbintel/pkg/contract"
	"github.com/dbintel/dbintel/pkg/pipeline"
	"github.com/dbintel/dbintel/pkg/scrape"
	"github.com/dbintel/dbintel/pkg/sqlmask"
)

// planLog turns auto_explain plans in the server log into
// db.server.query_plan events: zero cost for the server, which logs them
// anyway.
type planLog struct {
	target   scrape.Target
	cfg      PlansConfig
	tail     *tailer
	obf      *sqlmask.Obfuscator
	m        *pgMetrics
	log      *slog.Logger
	badPlans bool // a non-JSON plan was logged about once
}

func newPlanLog(target scrape.Target, cfg PlansConfig, m *pgMetrics, log *slog.Logger) *planLog {
	return &planLog{target: target, cfg: cfg, m: m, log: log, obf: sqlmask.New("postgresql"),
		tail: &tailer{path: cfg.LogPath, format: cfg.LogFormat}}
}

func (p *planLog) Name() string            { return "postgresql.plans" }
func (p *planLog) Interval() time.Duration { return p.cfg.CollectionInterval }

func (p *planLog) Collect(_ context.Context, now time.Time) (pipeline.Batch, error) {
	chunks, err := p.tail.read()
	if err != nil {
		if errors.Is(err, fs.ErrPermission) || errors.Is(err, fs.ErrNotExist) || errors.Is(err, errNoLogFile) {
			return pipeline.Batch{}, scrape.Disabled(fmt.Sprintf("server log %s: %v", p.cfg.LogPath, err),
				"point plans.log_path (DBINTEL_POSTGRES_LOG_DIR) at the server's log_directory and let the scraper read it (log_file_mode = 0640 and the postgres group)")
		}
		return pipeline.Batch{}, fmt.Errorf("scrape %s: plans: %w", p.target.Name(), err)
	}
	lb := scrape.NewLogsBuilder(p.target, scopeName)
	for _, c := range chunks {
		entries, used := parseLog(c.format, c.data, c.final)
		if !c.final {
			p.tail.keep(c.data[used:])
		}
		for _, e := range entries {
			if lb.Len() >= p.cfg.MaxPlans {
				p.m.plansDropped.Inc()
				continue
			}
			p.event(lb, e, now)
		}
	}
	return scrape.Batch(nil, lb), nil
}

func (p *planLog) event(lb *scrape.LogsBuilder, e planEntry, now time.Time) {
	masked, text, op, err := maskPlan(e.plan, p.obf)
	if err != nil {
		p.m.plansDropped.Inc()
		if !p.badPlans {
			p.badPlans = true
			p.log.Warn("auto_explain plan is not JSON; plans are skipped", "fix", "SET auto_explain.log_format = json in postgresql.conf")
		}
		return
	}
	lr := lb.Event(e.db, contract.EventQueryPlan, now)
	a := lr.Attributes()
	a.PutStr(contract.PGQueryPlan, string(masked))
	a.PutStr(contract.PGPlanSource, planSourceAutoExplain)
	a.PutDouble(contract.PGPlanDurationMS, e.durationMS)
	if e.queryID != "" {
		a.PutStr(contract.PGQueryID, e.queryID)
	}
	if text != "" {
		a.PutStr(contract.AttrQueryText, text)
		a.PutStr(contract.AttrQueryTextHash, normalizedHash(text))
	}
	if op != "" {
		a.PutStr(contract.AttrOperationName, op)
	}
	if e.user != "" {
		a.PutStr(contract.PGRoleName, e.user)
	}
}
