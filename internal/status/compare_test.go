package status

import (
	"cmp"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

var (
	shownNumber = regexp.MustCompile(`^(-?\d+(?:\.(\d+))?)(?: ?(GiB|MiB|KiB|B|µs|ms|s|/s|/min|%))?$`)
	unitScale   = map[string]float64{"": 1, "GiB": 1 << 30, "MiB": 1 << 20, "KiB": 1 << 10, "B": 1,
		"µs": 1e-6, "ms": 1e-3, "s": 1, "/s": 1, "/min": 1.0 / 60, "%": 0.01}
	uptimeUnits = map[string]float64{"d": 86400, "h": 3600, "min": 60, "s": 1}
)

// shown reads a number as the page shows it back into the API's unit
// (bytes, seconds, per second, ratio), with the rounding of what is shown.
func shown(t *testing.T, id, text string) (v, tol float64) {
	t.Helper()
	m := shownNumber.FindStringSubmatch(text)
	if m == nil {
		t.Errorf("#%s: %q is not a number with a known unit", id, text)
		return math.NaN(), 0
	}
	v, _ = strconv.ParseFloat(m[1], 64)
	scale := unitScale[m[3]]
	return v * scale, 0.5 * math.Pow10(-len(m[2])) * scale * (1 + 1e-9)
}

// shownUptime reads "1 h 2 min" back into seconds; the page truncates to
// its smallest unit shown.
func shownUptime(t *testing.T, text string) (v, tol float64) {
	t.Helper()
	f := strings.Fields(text)
	if len(f) == 0 || len(f)%2 != 0 {
		t.Errorf("uptime %q", text)
		return math.NaN(), 0
	}
	for i := 0; i < len(f); i += 2 {
		n, err := strconv.Atoi(f[i])
		u, ok := uptimeUnits[f[i+1]]
		if err != nil || !ok {
			t.Errorf("uptime %q", text)
			return math.NaN(), 0
		}
		v, tol = v+float64(n)*u, u
	}
	return v, tol
}

// checkPageEqualsAPI compares every id'd cell of the rendered page with
// the report /api/status returned.
func checkPageEqualsAPI(t *testing.T, cells map[string]string, rep Report) {
	t.Helper()
	nums := map[string]float64{"heap": rep.HeapBytes, "received-rate": rep.Receiver.ReceivedPerSecond, "sent-rate": rep.Forward.SentPerSecond,
		"receiver-received": rep.Receiver.Received, "receiver-accepted": rep.Receiver.Accepted, "receiver-refused": rep.Receiver.Refused,
		"forward-enqueued": rep.Forward.Enqueued, "forward-sent": rep.Forward.Sent, "forward-dropped": rep.Forward.Dropped,
		"queued-items": rep.Forward.QueuedItems, "queued-bytes": rep.Forward.QueuedBytes, "budget-dropped": rep.BudgetDropped,
		"plans-parsed": rep.Plans.Parsed, "plans-errors": rep.Plans.Errors, "plans-changes": rep.Plans.Changes,
		"series": rep.Cardinality.TrackedSeries, "folded": rep.Cardinality.FoldedPoints}
	texts := map[string]string{}
	for i, s := range rep.Stages {
		p := "stage-" + strconv.Itoa(i) + "-"
		texts[p+"name"] = s.Name
		for k, v := range map[string]float64{"in": s.In, "out": s.Out, "dropped": s.Dropped, "added": s.Added, "refused": s.Refused, "took": s.MeanBatchSeconds} {
			nums[p+k] = v
		}
	}
	for i, s := range rep.Sources {
		p := "source-" + strconv.Itoa(i) + "-"
		texts[p+"key"] = s.Key
		texts[p+"breaker"] = cmp.Or(s.BreakerState, "—")
		if s.BudgetRate != nil {
			nums[p+"rate"] = *s.BudgetRate
		} else {
			texts[p+"rate"] = "—"
		}
		for j, d := range s.Databases {
			texts[p+"db-"+strconv.Itoa(j)] = "database " + d.Name
			nums[p+"db-"+strconv.Itoa(j)+"-changes"] = float64(d.PlanChanges)
		}
	}
	for i, r := range rep.Rules {
		p := "rule-" + strconv.Itoa(i) + "-"
		texts[p+"name"] = r.Name
		nums[p+"matched"], nums[p+"kept"], nums[p+"share"], nums[p+"dropped"] = r.Matched, r.Kept, r.KeptRatio, r.Dropped
		// The share shown is the counts beside it.
		if r.Kept+r.Dropped != r.Matched || math.Abs(r.KeptRatio*r.Matched-r.Kept) > 1e-9 {
			t.Errorf("rule %s: matched %v, kept %v, dropped %v, kept ratio %v", r.Name, r.Matched, r.Kept, r.Dropped, r.KeptRatio)
		}
	}
	for id, want := range nums {
		text, ok := cells[id]
		if !ok {
			t.Errorf("page has no #%s (API: %v)", id, want)
			continue
		}
		if got, tol := shown(t, id, text); !(math.Abs(got-want) <= tol) {
			t.Errorf("#%s shows %q = %v, API says %v", id, text, got, want)
		}
	}
	for id, want := range texts {
		if got, ok := cells[id]; !ok || got != want {
			t.Errorf("#%s shows %q, API says %q", id, got, want)
		}
	}
	if got, tol := shownUptime(t, cells["uptime"]); !(math.Abs(got-rep.UptimeSeconds) <= tol) {
		t.Errorf("uptime shows %q, API says %v s", cells["uptime"], rep.UptimeSeconds)
	}
	// No row on the page that the API lacks.
	for id := range cells {
		if _, n := nums[id]; !n {
			if _, s := texts[id]; !s && strings.Contains(id, "-") {
				t.Errorf("page shows #%s = %q, which the API does not have", id, cells[id])
			}
		}
	}
	t.Logf("compared %d numbers and %d names on the page with /api/status", len(nums), len(texts))
}

// gatheredSum adds up every series of a metric family.
func gatheredSum(t *testing.T, g prometheus.Gatherer, name string) float64 {
	t.Helper()
	families, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var total float64
	for _, f := range families {
		if f.GetName() == name {
			for _, s := range f.GetMetric() {
				total += value(s)
			}
		}
	}
	return total
}
