// Package status renders the gateway's status page (and the same data as
// JSON) from its own Prometheus registry, so the page can never disagree
// with /metrics: the flow per stage, per-database breakers, sampler rules and
// rates, PII findings, plan extraction, cardinality, queue and export health.
package status

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/dbintel/dbintel/pkg/contract"
)

// MaxRows bounds the per-source tables (breakers, effective rates) and the
// plan changes on the page and in /api/status: the stages bound how many
// sources they track, but a thousand rows is no page for a person; the
// rows that need attention (open breakers, lowest rates) come first.
const MaxRows = 100

// PlanChange is one recent plan change shown on the page.
type PlanChange struct {
	At       time.Time `json:"at"`
	Database string    `json:"database"`
	QueryID  string    `json:"query_id"`
	OldHash  string    `json:"old_hash"`
	NewHash  string    `json:"new_hash"`
	OldCost  float64   `json:"old_cost"`
	NewCost  float64   `json:"new_cost"`
}

// Source is what the page reads besides the registry.
type Source struct {
	Version string
	Started time.Time
	Stages  func() []string // pipeline stage names in order (they change on reload)
	Ready   func() error    // nil when ready
	// PlanChanges lists recent plan changes, newest first; may be nil.
	PlanChanges func() []PlanChange
}

// Handler serves the page on / and its data on /api/status.
func Handler(g prometheus.Gatherer, src Source) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/api/status", func(w http.ResponseWriter, _ *http.Request) {
		rep, err := build(g, src)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(rep)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		rep, err := build(g, src)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if err := page.Execute(w, rep); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	})
	return mux
}

// Report is everything the page shows.
type Report struct {
	Version     string       `json:"version"`
	Uptime      string       `json:"uptime"`
	Ready       bool         `json:"ready"`
	NotReady    string       `json:"not_ready,omitempty"`
	Receiver    Flow         `json:"receiver"`
	Stages      []StageFlow  `json:"stages"`
	Forward     Forward      `json:"forward"`
	Breakers    []Breaker    `json:"breakers"`
	BreakerKeys int          `json:"breaker_keys"` // sources with a breaker, shown or not
	Rules       []Rule       `json:"sampler_rules"`
	Rates       []Row        `json:"sampler_effective_rates"`
	RateKeys    int          `json:"sampler_budgeted_sources"`
	PII         []Row        `json:"pii_found"`
	Fixes       []Row        `json:"quality_fixes"`
	Plans       Plans        `json:"plans"`
	PlanChanges []PlanChange `json:"recent_plan_changes"`
	Overflow    float64      `json:"cardinality_folded_points"`
	Series      float64      `json:"cardinality_tracked_series"`
	MemoryHeap  float64      `json:"memory_heap_bytes"`
}

// Flow is the receiver's balance: received = accepted + refused.
type Flow struct {
	Received, Accepted, Refused float64
	RefusedBy                   []Row
}

// StageFlow is one stage's counts.
type StageFlow struct {
	Name                    string
	In, Out, Dropped, Added float64
	Refused                 float64
	MeanMicros              float64
}

// Forward is the exporter's balance and health.
type Forward struct {
	Enqueued, Sent, Dropped, QueuedItems, QueuedBytes float64
	DroppedBy                                         []Row
	Requests                                          []Row
	BackendBreakerOpen                                bool
}

// Breaker is one source database's breaker.
type Breaker struct {
	Key   string
	State string
}

// Rule is one sampler rule's counts.
type Rule struct {
	Name                   string
	Matched, Kept, Dropped float64
}

// Plans is the plan extractor's counts.
type Plans struct {
	Parsed, Errors, Changes float64
}

// Row is a labelled value.
type Row struct {
	Label string
	Value float64
}

func build(g prometheus.Gatherer, src Source) (Report, error) {
	families, err := g.Gather()
	if err != nil {
		return Report{}, fmt.Errorf("gather self-metrics: %w", err)
	}
	m := index(families)
	rep := Report{Version: src.Version, Uptime: time.Since(src.Started).Round(time.Second).String(), Ready: true}
	if src.Ready != nil {
		if err := src.Ready(); err != nil {
			rep.Ready, rep.NotReady = false, err.Error()
		}
	}
	rep.Receiver = Flow{
		Received:  m.sum("dbintel_receiver_items_received_total", nil),
		Accepted:  m.sum("dbintel_receiver_items_accepted_total", nil),
		Refused:   m.sum("dbintel_receiver_items_refused_total", nil),
		RefusedBy: m.by("dbintel_receiver_items_refused_total", "reason"),
	}
	for _, st := range src.Stages() {
		f := map[string]string{"stage": st}
		sf := StageFlow{Name: st,
			In: m.sum("dbintel_pipeline_stage_items_in_total", f), Out: m.sum("dbintel_pipeline_stage_items_out_total", f),
			Dropped: m.sum("dbintel_pipeline_stage_items_dropped_total", f), Added: m.sum("dbintel_pipeline_stage_items_added_total", f),
			Refused: m.sum("dbintel_pipeline_stage_items_refused_total", f)}
		if h := m.histogram("dbintel_pipeline_stage_duration_seconds", f); h != nil && h.GetSampleCount() > 0 {
			sf.MeanMicros = h.GetSampleSum() / float64(h.GetSampleCount()) * 1e6
		}
		rep.Stages = append(rep.Stages, sf)
	}
	rep.Forward = Forward{
		Enqueued: m.sum("dbintel_forward_items_enqueued_total", nil), Sent: m.sum("dbintel_forward_items_sent_total", nil),
		Dropped: m.sum("dbintel_forward_items_dropped_total", nil), QueuedItems: m.sum("dbintel_forward_queue_items", nil),
		QueuedBytes: m.sum("dbintel_forward_queue_bytes", nil), DroppedBy: m.by("dbintel_forward_items_dropped_total", "reason"),
		Requests: m.by("dbintel_forward_requests_total", "outcome"), BackendBreakerOpen: m.sum("dbintel_forward_breaker_open", nil) > 0,
	}
	states := map[float64]string{0: "closed", 1: "half-open", 2: "open"}
	breakers := m.by("dbintel_breaker_state", "key")
	// Open (2) first, then half-open, then closed; by key within a state.
	sort.SliceStable(breakers, func(i, j int) bool { return breakers[i].Value > breakers[j].Value })
	rep.BreakerKeys = len(breakers)
	for _, r := range breakers[:min(len(breakers), MaxRows)] {
		rep.Breakers = append(rep.Breakers, Breaker{Key: r.Label, State: states[r.Value]})
	}
	dropped := m.by("dbintel_sampler_items_dropped_total", "rule")
	kept := m.by("dbintel_sampler_items_kept_total", "rule")
	for _, r := range m.by("dbintel_sampler_items_matched_total", "rule") {
		rep.Rules = append(rep.Rules, Rule{Name: r.Label, Matched: r.Value, Kept: lookup(kept, r.Label), Dropped: lookup(dropped, r.Label)})
	}
	rates := m.by("dbintel_sampler_effective_rate", "database")
	sort.SliceStable(rates, func(i, j int) bool { return rates[i].Value < rates[j].Value }) // most throttled first
	rep.RateKeys = len(rates)
	rep.Rates = rates[:min(len(rates), MaxRows)]
	rep.PII = m.by("dbintel_verify_pii_found_total", "type")
	rep.Fixes = m.by("dbintel_verify_fixes_total", "reason")
	rep.Plans = Plans{Parsed: m.sum("dbintel_plans_parsed_total", nil), Errors: m.sum("dbintel_plans_errors_total", nil), Changes: m.sum("dbintel_plans_changes_total", nil)}
	if src.PlanChanges != nil {
		changes := src.PlanChanges()
		for _, c := range changes[:min(len(changes), MaxRows)] {
			c.Database, c.QueryID = contract.BoundLabel(c.Database), contract.BoundLabel(c.QueryID)
			rep.PlanChanges = append(rep.PlanChanges, c)
		}
	}
	rep.Overflow = m.sum("dbintel_cardinality_folded_points_total", nil)
	rep.Series = m.sum("dbintel_cardinality_tracked_series", nil)
	rep.MemoryHeap = m.sum("dbintel_memlimit_heap_bytes", nil)
	return rep, nil
}

func lookup(rows []Row, label string) float64 {
	for _, r := range rows {
		if r.Label == label {
			return r.Value
		}
	}
	return 0
}

type metricIndex map[string]*dto.MetricFamily

func index(families []*dto.MetricFamily) metricIndex {
	m := make(metricIndex, len(families))
	for _, f := range families {
		m[f.GetName()] = f
	}
	return m
}

func value(s *dto.Metric) float64 {
	switch {
	case s.Counter != nil:
		return s.Counter.GetValue()
	case s.Gauge != nil:
		return s.Gauge.GetValue()
	case s.Untyped != nil:
		return s.Untyped.GetValue()
	}
	return 0
}

func matches(s *dto.Metric, filter map[string]string) bool {
	n := 0
	for _, l := range s.GetLabel() {
		if want, ok := filter[l.GetName()]; ok {
			if l.GetValue() != want {
				return false
			}
			n++
		}
	}
	return n == len(filter)
}

func (m metricIndex) sum(name string, filter map[string]string) float64 {
	var total float64
	for _, s := range m[name].GetMetric() {
		if matches(s, filter) {
			total += value(s)
		}
	}
	return total
}

func (m metricIndex) histogram(name string, filter map[string]string) *dto.Histogram {
	for _, s := range m[name].GetMetric() {
		if matches(s, filter) {
			return s.GetHistogram()
		}
	}
	return nil
}

// by sums name per value of label, sorted by label, leaving out zeros.
// Label values are shown to people: whoever registered the metric, they
// are made valid and bounded (contract.BoundLabel).
func (m metricIndex) by(name, label string) []Row {
	acc := map[string]float64{}
	for _, s := range m[name].GetMetric() {
		for _, l := range s.GetLabel() {
			if l.GetName() == label {
				acc[contract.BoundLabel(l.GetValue())] += value(s)
			}
		}
	}
	rows := make([]Row, 0, len(acc))
	for k, v := range acc {
		if v != 0 || strings.HasSuffix(name, "_state") || strings.HasSuffix(name, "_rate") {
			rows = append(rows, Row{Label: k, Value: v})
		}
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].Label < rows[j].Label })
	return rows
}
