package status

import (
	"fmt"
	"html/template"
	"strconv"
	"strings"
)

// Units for people; /api/status keeps bytes, seconds and ratios.
var funcs = template.FuncMap{
	"n":    func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) },
	"mib":  func(v float64) string { return fmt.Sprintf("%.1f MiB", v/(1<<20)) },
	"size": size, "took": took, "uptime": uptime, "rate": rate,
	"pct": func(v float64) string { return fmt.Sprintf("%.1f %%", v*100) },
	"reasons": func(cs []Count) string {
		parts := make([]string, len(cs))
		for i, c := range cs {
			parts[i] = c.Name + " " + strconv.FormatFloat(c.Value, 'f', -1, 64)
		}
		return strings.Join(parts, ", ")
	},
}

func size(b float64) string {
	switch {
	case b >= 1<<30:
		return fmt.Sprintf("%.1f GiB", b/(1<<30))
	case b >= 1<<20:
		return fmt.Sprintf("%.1f MiB", b/(1<<20))
	case b >= 1<<10:
		return fmt.Sprintf("%.1f KiB", b/(1<<10))
	}
	return fmt.Sprintf("%.0f B", b)
}

// took shows a short duration given in seconds.
func took(s float64) string {
	switch {
	case s < 1e-3:
		return fmt.Sprintf("%.1f µs", s*1e6)
	case s < 1:
		return fmt.Sprintf("%.2f ms", s*1e3)
	}
	return fmt.Sprintf("%.2f s", s)
}

// uptime shows whole seconds as days, hours, minutes and seconds, the two
// largest units only.
func uptime(s float64) string {
	left := int64(s)
	var parts []string
	for _, u := range []struct {
		name string
		secs int64
	}{{"d", 86400}, {"h", 3600}, {"min", 60}, {"s", 1}} {
		if v := left / u.secs; v > 0 || (u.secs == 1 && len(parts) == 0) {
			parts = append(parts, fmt.Sprintf("%d %s", v, u.name))
			left -= v * u.secs
		}
		if len(parts) == 2 {
			break
		}
	}
	return strings.Join(parts, " ")
}

// rate shows items per second, or per minute below one a second.
func rate(perSecond float64) string {
	if perSecond > 0 && perSecond < 1 {
		return fmt.Sprintf("%.1f/min", perSecond*60)
	}
	return fmt.Sprintf("%.1f/s", perSecond)
}

var page = template.Must(template.New("status").Funcs(funcs).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="5">
<title>dbintel gateway status</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:1.5rem;color:#1d252c;background:#f7f8fa}
h1{font-size:1.4rem;margin:0 0 .3rem} h2{font-size:1.05rem;margin:1.4rem 0 .4rem}
table{border-collapse:collapse;background:#fff;min-width:28rem} td,th{border:1px solid #d8dde3;padding:.25rem .6rem;text-align:right}
th{background:#eef1f4} td:first-child,th:first-child{text-align:left} td.db{padding-left:1.6rem}
.ok{color:#0a7d32;font-weight:600}.bad{color:#b3261e;font-weight:600}.grid{display:flex;flex-wrap:wrap;gap:1.5rem}
.muted{color:#66727f} p.note{max-width:44rem}
</style></head><body>
<h1>dbintel gateway</h1>
<p class="muted">version {{.Version}} · up <span id="uptime">{{uptime .UptimeSeconds}}</span> · heap <span id="heap">{{mib .HeapBytes}}</span> ·
{{if .Ready}}<span class="ok" id="ready">ready</span>{{else}}<span class="bad" id="ready">not ready: {{.NotReady}}</span>{{end}} · refreshes every 5 s · <a href="/api/status">JSON</a></p>

<h2>Flow</h2>
<p>Items (metric points, log records, spans), mean since start: received <b id="received-rate">{{rate .Receiver.ReceivedPerSecond}}</b>, sent <b id="sent-rate">{{rate .Forward.SentPerSecond}}</b>.</p>
<table id="flow"><tr><th>step</th><th>in</th><th>out</th><th>dropped</th><th>added</th><th>refused</th><th>mean time per batch</th></tr>
<tr><td>receiver</td><td id="receiver-received">{{n .Receiver.Received}}</td><td id="receiver-accepted">{{n .Receiver.Accepted}}</td><td></td><td></td><td id="receiver-refused">{{n .Receiver.Refused}}</td><td></td></tr>
{{range $i, $s := .Stages}}<tr><td id="stage-{{$i}}-name">{{.Name}}</td><td id="stage-{{$i}}-in">{{n .In}}</td><td id="stage-{{$i}}-out">{{n .Out}}</td><td id="stage-{{$i}}-dropped">{{n .Dropped}}</td><td id="stage-{{$i}}-added">{{n .Added}}</td><td id="stage-{{$i}}-refused">{{n .Refused}}</td><td id="stage-{{$i}}-took">{{took .MeanBatchSeconds}}</td></tr>
{{end}}<tr><td>forward</td><td id="forward-enqueued">{{n .Forward.Enqueued}}</td><td id="forward-sent">{{n .Forward.Sent}}</td><td id="forward-dropped">{{n .Forward.Dropped}}</td><td></td><td></td><td></td></tr>
</table>
{{with .Receiver.RefusedBy}}<p>Refused by reason: {{reasons .}}</p>{{end}}

<div class="grid">
<div><h2>Queue and export</h2>
<table id="forward"><tr><th>what</th><th>value</th></tr>
<tr><td>queued items</td><td id="queued-items">{{n .Forward.QueuedItems}}</td></tr>
<tr><td>queued data</td><td id="queued-bytes">{{size .Forward.QueuedBytes}}</td></tr>
<tr><td>backend breaker</td><td>{{if .Forward.BackendBreakerOpen}}<span class="bad">open (sending paused)</span>{{else}}<span class="ok">closed</span>{{end}}</td></tr>
{{range .Forward.Requests}}<tr><td>requests: {{.Name}}</td><td>{{n .Value}}</td></tr>{{end}}
{{range .Forward.DroppedBy}}<tr><td>dropped: {{.Name}}</td><td>{{n .Value}}</td></tr>{{end}}
</table></div>

<div><h2>Database servers and other sources</h2>
<p class="muted">one row per server (db.system.name://server.address:server.port), its databases under it{{if gt .SourceCount (len .Sources)}}; {{len .Sources}} of {{.SourceCount}} shown, open breakers and lowest rates first{{end}}</p>
<table id="sources"><tr><th>source</th><th>kind</th><th>breaker</th><th>budget keep-rate</th><th>recent plan changes</th></tr>
{{range $i, $s := .Sources}}<tr><td id="source-{{$i}}-key">{{.Key}}</td><td>{{.Kind}}</td><td id="source-{{$i}}-breaker" class="{{if eq .BreakerState "open" "half-open"}}bad{{else}}ok{{end}}">{{or .BreakerState "—"}}</td><td id="source-{{$i}}-rate">{{with .BudgetRate}}{{pct .}}{{else}}—{{end}}</td><td></td></tr>
{{range $j, $d := .Databases}}<tr><td class="db" id="source-{{$i}}-db-{{$j}}">database {{.Name}}</td><td>database</td><td></td><td></td><td id="source-{{$i}}-db-{{$j}}-changes">{{.PlanChanges}}</td></tr>
{{end}}{{else}}<tr><td colspan="5" class="muted">no source seen yet</td></tr>{{end}}
</table>
<p class="note muted">Budget keep-rate: the share of a server's query-level items that its per-minute budget lets through now. Items the budget dropped in all: <span id="budget-dropped">{{n .BudgetDropped}}</span>; drops by dedup, sample rate and limit are in the rules table.</p></div>
</div>

<div class="grid">
<div><h2>Sampler rules</h2>
<table id="rules"><tr><th>rule</th><th>matched</th><th>kept</th><th>kept share</th><th>dropped</th><th>dropped by reason</th></tr>
{{range $i, $r := .Rules}}<tr><td id="rule-{{$i}}-name">{{.Name}}</td><td id="rule-{{$i}}-matched">{{n .Matched}}</td><td id="rule-{{$i}}-kept">{{n .Kept}}</td><td id="rule-{{$i}}-share">{{pct .KeptRatio}}</td><td id="rule-{{$i}}-dropped">{{n .Dropped}}</td><td>{{reasons .DroppedBy}}</td></tr>
{{else}}<tr><td colspan="6" class="muted">nothing matched yet</td></tr>{{end}}
</table></div>

<div><h2>PII found (by type)</h2>
<table id="pii"><tr><th>type</th><th>values</th></tr>
{{range .PII}}<tr><td>{{.Name}}</td><td>{{n .Value}}</td></tr>{{else}}<tr><td colspan="2" class="muted">none found</td></tr>{{end}}
</table>
<h2>Quality fixes</h2>
<table id="fixes"><tr><th>reason</th><th>count</th></tr>
{{range .Fixes}}<tr><td>{{.Name}}</td><td>{{n .Value}}</td></tr>{{else}}<tr><td colspan="2" class="muted">none</td></tr>{{end}}
</table></div>

<div><h2>Plans and cardinality</h2>
<table id="plans"><tr><th>what</th><th>value</th></tr>
<tr><td>plans parsed</td><td id="plans-parsed">{{n .Plans.Parsed}}</td></tr>
<tr><td>plan errors</td><td id="plans-errors">{{n .Plans.Errors}}</td></tr>
<tr><td>plan changes</td><td id="plans-changes">{{n .Plans.Changes}}</td></tr>
<tr><td>series tracked</td><td id="series">{{n .Cardinality.TrackedSeries}}</td></tr>
<tr><td>points folded into overflow</td><td id="folded">{{n .Cardinality.FoldedPoints}}</td></tr>
</table></div>
</div>

<h2>Recent plan changes</h2>
<table id="planchanges"><tr><th>time (UTC)</th><th>server</th><th>database</th><th>query id</th><th>old plan</th><th>new plan</th><th>cost before</th><th>cost after</th></tr>
{{range .PlanChanges}}<tr><td>{{(.At.UTC).Format "15:04:05"}}</td><td>{{.Server}}</td><td>{{.Database}}</td><td>{{.QueryID}}</td><td>{{.OldHash}}</td><td>{{.NewHash}}</td><td>{{printf "%.2f" .OldCost}}</td><td>{{printf "%.2f" .NewCost}}</td></tr>
{{else}}<tr><td colspan="8" class="muted">none yet</td></tr>{{end}}
</table>
</body></html>
`))
