// Package status serves the gateway's status page on / and the same data as
// JSON on /api/status (schema: docs/status-api.md). Both are built from
// the self-metrics registry, so the page shows what /metrics says.
package status

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// MaxRows bounds the per-source table and the plan changes on the page and
// in /api/status: the stages bound how many sources they track, but a
// thousand rows is no page for a person; the rows that need attention
// (open breakers, lowest budget rates) come first.
const MaxRows = 100

// PlanChange is one recent plan change as the plan extractor reports it.
// Database is the source key, followed by "/" and the database name when
// the data has one.
type PlanChange struct {
	At                time.Time
	Database, QueryID string
	OldHash, NewHash  string
	OldCost, NewCost  float64
}

// Source is what the page reads besides the registry.
type Source struct {
	Version string
	Started time.Time
	Stages  func() []string // pipeline stage names in order (they change on reload)
	Ready   func() error    // nil when ready
	// PlanChanges lists recent plan changes, newest first; may be nil.
	PlanChanges func() []PlanChange
	// Now is the clock for uptime and rates; nil means time.Now.
	Now func() time.Time
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

// Report is everything the page shows; docs/status-api.md documents each
// field. Counts are items (metric data points, log records, spans) unless
// the name says otherwise; rates are per second, averaged since start.
type Report struct {
	Version       string      `json:"version"`
	UptimeSeconds float64     `json:"uptime_seconds"`
	Ready         bool        `json:"ready"`
	NotReady      string      `json:"not_ready_reason,omitempty"`
	HeapBytes     float64     `json:"heap_bytes"`
	Receiver      Flow        `json:"receiver"`
	Stages        []StageFlow `json:"stages"`
	Forward       Forward     `json:"forward"`
	Sources       []SourceRow `json:"sources"`
	SourceCount   int         `json:"source_count"` // sources tracked, shown or not
	Rules         []Rule      `json:"sampler_rules"`
	BudgetDropped float64     `json:"sampler_budget_dropped_items"`
	PII           []Count     `json:"pii_found"`
	Fixes         []Count     `json:"quality_fixes"`
	Plans         Plans       `json:"plans"`
	PlanChanges   []ChangeRow `json:"recent_plan_changes"`
	Cardinality   Cardinality `json:"cardinality"`
}

// Flow is the receiver's balance: received = accepted + refused.
type Flow struct {
	Received          float64 `json:"received_items"`
	Accepted          float64 `json:"accepted_items"`
	Refused           float64 `json:"refused_items"`
	ReceivedPerSecond float64 `json:"received_items_per_second"`
	RefusedBy         []Count `json:"refused_by_reason"`
}

// StageFlow is one pipeline stage's counts.
type StageFlow struct {
	Name             string  `json:"name"`
	In               float64 `json:"in_items"`
	Out              float64 `json:"out_items"`
	Dropped          float64 `json:"dropped_items"`
	Added            float64 `json:"added_items"`
	Refused          float64 `json:"refused_items"`
	MeanBatchSeconds float64 `json:"mean_batch_seconds"`
}

// Forward is the exporter's balance and health.
type Forward struct {
	Enqueued           float64 `json:"enqueued_items"`
	Sent               float64 `json:"sent_items"`
	Dropped            float64 `json:"dropped_items"`
	SentPerSecond      float64 `json:"sent_items_per_second"`
	QueuedItems        float64 `json:"queued_items"`
	QueuedBytes        float64 `json:"queued_bytes"`
	DroppedBy          []Count `json:"dropped_by_reason"`
	Requests           []Count `json:"requests_by_outcome"`
	BackendBreakerOpen bool    `json:"backend_breaker_open"`
}

// SourceRow is one source (contract.SourceKey: a database server, or a
// service) with the per-source state the stages keep for it.
type SourceRow struct {
	Key          string     `json:"key"`
	Kind         string     `json:"kind"`
	BreakerState string     `json:"breaker_state"`    // closed, half-open, open; "" untracked
	BudgetRate   *float64   `json:"budget_keep_rate"` // null when the sampler has no budget state
	Databases    []Database `json:"databases"`
}

// Database is one database of a server, as named by the data (db.namespace).
type Database struct {
	Name        string `json:"name"`
	PlanChanges int    `json:"recent_plan_changes"`
}

// Rule is one sampler rule's counts; kept + dropped = matched.
type Rule struct {
	Name      string  `json:"name"`
	Matched   float64 `json:"matched_items"`
	Kept      float64 `json:"kept_items"`
	Dropped   float64 `json:"dropped_items"`
	KeptRatio float64 `json:"kept_ratio"` // kept / matched; 1 when nothing matched
	DroppedBy []Count `json:"dropped_by_reason"`
}

// Plans is the plan extractor's counts.
type Plans struct {
	Parsed  float64 `json:"parsed"`
	Errors  float64 `json:"errors"`
	Changes float64 `json:"changes"`
}

// ChangeRow is a plan change with its server and database apart.
type ChangeRow struct {
	At       time.Time `json:"at"`
	Server   string    `json:"server"`
	Database string    `json:"database"`
	QueryID  string    `json:"query_id"`
	OldHash  string    `json:"old_plan_hash"`
	NewHash  string    `json:"new_plan_hash"`
	OldCost  float64   `json:"old_total_cost"`
	NewCost  float64   `json:"new_total_cost"`
}

// Cardinality is the cardinality limiter's state.
type Cardinality struct {
	TrackedSeries float64 `json:"tracked_series"`
	FoldedPoints  float64 `json:"folded_points"`
}

// Count is a labelled count.
type Count struct {
	Name  string  `json:"name"`
	Value float64 `json:"value"`
}
