package status

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dbintel/dbintel/pkg/contract"
)

func build(g prometheus.Gatherer, src Source) (Report, error) {
	families, err := g.Gather()
	if err != nil {
		return Report{}, fmt.Errorf("gather self-metrics: %w", err)
	}
	m := index(families)
	now := time.Now
	if src.Now != nil {
		now = src.Now
	}
	uptime := max(now().Sub(src.Started).Truncate(time.Second).Seconds(), 0)
	perSecond := func(v float64) float64 {
		if uptime == 0 {
			return 0
		}
		return v / uptime
	}
	// Lists are [] when empty, never null: one shape for API clients.
	rep := Report{Version: src.Version, UptimeSeconds: uptime, Ready: true, HeapBytes: m.sum("dbintel_memlimit_heap_bytes", nil),
		Stages: []StageFlow{}, Rules: []Rule{}}
	if src.Ready != nil {
		if err := src.Ready(); err != nil {
			rep.Ready, rep.NotReady = false, err.Error()
		}
	}
	rep.Receiver = Flow{
		Received:  m.sum("dbintel_receiver_items_received_total", nil),
		Accepted:  m.sum("dbintel_receiver_items_accepted_total", nil),
		Refused:   m.sum("dbintel_receiver_items_refused_total", nil),
		RefusedBy: m.by("dbintel_receiver_items_refused_total", "reason", nil),
	}
	rep.Receiver.ReceivedPerSecond = perSecond(rep.Receiver.Received)
	for _, st := range src.Stages() {
		f := map[string]string{"stage": st}
		sf := StageFlow{Name: st,
			In: m.sum("dbintel_pipeline_stage_items_in_total", f), Out: m.sum("dbintel_pipeline_stage_items_out_total", f),
			Dropped: m.sum("dbintel_pipeline_stage_items_dropped_total", f), Added: m.sum("dbintel_pipeline_stage_items_added_total", f),
			Refused: m.sum("dbintel_pipeline_stage_items_refused_total", f)}
		if h := m.histogram("dbintel_pipeline_stage_duration_seconds", f); h != nil && h.GetSampleCount() > 0 {
			sf.MeanBatchSeconds = h.GetSampleSum() / float64(h.GetSampleCount())
		}
		rep.Stages = append(rep.Stages, sf)
	}
	rep.Forward = Forward{
		Enqueued: m.sum("dbintel_forward_items_enqueued_total", nil), Sent: m.sum("dbintel_forward_items_sent_total", nil),
		Dropped: m.sum("dbintel_forward_items_dropped_total", nil), QueuedItems: m.sum("dbintel_forward_queue_items", nil),
		QueuedBytes: m.sum("dbintel_forward_queue_bytes", nil), DroppedBy: m.by("dbintel_forward_items_dropped_total", "reason", nil),
		Requests: m.by("dbintel_forward_requests_total", "outcome", nil), BackendBreakerOpen: m.sum("dbintel_forward_breaker_open", nil) > 0,
	}
	rep.Forward.SentPerSecond = perSecond(rep.Forward.Sent)
	for _, r := range m.by("dbintel_sampler_items_matched_total", "rule", nil) {
		f := map[string]string{"rule": r.Name}
		rule := Rule{Name: r.Name, Matched: r.Value, Kept: m.sum("dbintel_sampler_items_kept_total", f),
			Dropped: m.sum("dbintel_sampler_items_dropped_total", f), KeptRatio: 1,
			DroppedBy: m.by("dbintel_sampler_items_dropped_total", "reason", f)}
		if rule.Matched > 0 {
			rule.KeptRatio = rule.Kept / rule.Matched
		}
		rep.Rules = append(rep.Rules, rule)
	}
	rep.BudgetDropped = m.sum("dbintel_sampler_items_dropped_total", map[string]string{"reason": "budget"})
	rep.PII = m.by("dbintel_verify_pii_found_total", "type", nil)
	rep.Fixes = m.by("dbintel_verify_fixes_total", "reason", nil)
	rep.Plans = Plans{Parsed: m.sum("dbintel_plans_parsed_total", nil), Errors: m.sum("dbintel_plans_errors_total", nil), Changes: m.sum("dbintel_plans_changes_total", nil)}
	rep.Cardinality = Cardinality{TrackedSeries: m.sum("dbintel_cardinality_tracked_series", nil), FoldedPoints: m.sum("dbintel_cardinality_folded_points_total", nil)}
	var changes []PlanChange
	if src.PlanChanges != nil {
		changes = src.PlanChanges()
		changes = changes[:min(len(changes), MaxRows)]
	}
	rep.Sources, rep.SourceCount, rep.PlanChanges = sources(m, changes)
	return rep, nil
}

var breakerStates = map[float64]string{0: "closed", 1: "half-open", 2: "open"}

// sources joins the breaker and sampler state per source key (one per
// database server since contract.SourceKey) with the databases that recent
// plan changes name, and returns at most MaxRows rows, the ones that need
// attention first, with the number of sources in all.
func sources(m metricIndex, changes []PlanChange) ([]SourceRow, int, []ChangeRow) {
	rows := map[string]*SourceRow{}
	row := func(key string) *SourceRow {
		r, ok := rows[key]
		if !ok {
			r = &SourceRow{Key: key, Kind: kind(key), Databases: []Database{}}
			rows[key] = r
		}
		return r
	}
	for _, b := range m.by("dbintel_breaker_state", "key", nil) {
		row(b.Name).BreakerState = breakerStates[b.Value]
	}
	for _, r := range m.by("dbintel_sampler_effective_rate", "database", nil) {
		row(r.Name).BudgetRate = &r.Value
	}
	out := []ChangeRow{}
	for _, c := range changes {
		server, db := split(contract.BoundLabel(c.Database), rows)
		out = append(out, ChangeRow{At: c.At, Server: server, Database: db, QueryID: contract.BoundLabel(c.QueryID),
			OldHash: contract.BoundLabel(c.OldHash), NewHash: contract.BoundLabel(c.NewHash), OldCost: c.OldCost, NewCost: c.NewCost})
		r := row(server)
		if db == "" {
			continue
		}
		i := sort.Search(len(r.Databases), func(i int) bool { return r.Databases[i].Name >= db })
		if i == len(r.Databases) || r.Databases[i].Name != db {
			r.Databases = append(r.Databases[:i], append([]Database{{Name: db}}, r.Databases[i:]...)...)
		}
		r.Databases[i].PlanChanges++
	}
	list := make([]SourceRow, 0, len(rows))
	for _, r := range rows {
		list = append(list, *r)
	}
	rank := map[string]int{"open": 0, "half-open": 1}
	sort.Slice(list, func(i, j int) bool {
		a, b := list[i], list[j]
		ra, oka := rank[a.BreakerState]
		rb, okb := rank[b.BreakerState]
		if !oka {
			ra = 2
		}
		if !okb {
			rb = 2
		}
		if ra != rb {
			return ra < rb
		}
		if x, y := rateOr1(a.BudgetRate), rateOr1(b.BudgetRate); x != y {
			return x < y
		}
		return a.Key < b.Key
	})
	return list[:min(len(list), MaxRows)], len(list), out
}

func rateOr1(r *float64) float64 {
	if r == nil {
		return 1
	}
	return *r
}

// split parts "key/database" as the plan extractor names a change: the
// longest prefix before a "/" that is a known source key is the server,
// else the part after the scheme's "//" up to the last "/".
func split(s string, known map[string]*SourceRow) (server, db string) {
	if _, ok := known[s]; ok {
		return s, ""
	}
	for i := len(s) - 1; i > 0; i-- {
		if s[i] == '/' {
			if _, ok := known[s[:i]]; ok {
				return s[:i], s[i+1:]
			}
		}
	}
	start := 0
	if j := strings.Index(s, "://"); j >= 0 {
		start = j + 3
	}
	if i := strings.LastIndexByte(s[start:], '/'); i >= 0 {
		return s[:start+i], s[start+i+1:]
	}
	return s, ""
}

// kind says what a source key names, for people.
func kind(key string) string {
	sys, _, ok := strings.Cut(key, "://")
	if !ok {
		if strings.HasPrefix(key, "service:") {
			return "service"
		}
		return "other"
	}
	switch sys {
	case contract.SystemPostgreSQL:
		return "PostgreSQL server"
	case contract.SystemMySQL:
		return "MySQL server"
	case contract.SystemMariaDB:
		return "MariaDB server"
	}
	return contract.BoundLabel(sys) + " server"
}
