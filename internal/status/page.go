package status

import (
	"html/template"
	"strconv"
)

var page = template.Must(template.New("status").Funcs(template.FuncMap{
	"n":  func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) },
	"f2": func(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) },
}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="5">
<title>dbintel gateway status</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:1.5rem;color:#1d252c;background:#f7f8fa}
h1{font-size:1.4rem;margin:0 0 .3rem} h2{font-size:1.05rem;margin:1.4rem 0 .4rem}
table{border-collapse:collapse;background:#fff;min-width:28rem} td,th{border:1px solid #d8dde3;padding:.25rem .6rem;text-align:right}
th{background:#eef1f4} td:first-child,th:first-child{text-align:left}
.ok{color:#0a7d32;font-weight:600}.bad{color:#b3261e;font-weight:600}.grid{display:flex;flex-wrap:wrap;gap:1.5rem}
.muted{color:#66727f}
</style></head><body>
<h1>dbintel gateway</h1>
<p class="muted">version {{.Version}} · up {{.Uptime}} · heap {{n .MemoryHeap}} bytes ·
{{if .Ready}}<span class="ok" id="ready">ready</span>{{else}}<span class="bad" id="ready">not ready: {{.NotReady}}</span>{{end}} · refreshes every 5 s · <a href="/api/status">JSON</a></p>

<h2>Flow</h2>
<table id="flow"><tr><th>step</th><th>in</th><th>out</th><th>dropped</th><th>added</th><th>refused</th><th>mean µs/batch</th></tr>
<tr><td>receiver</td><td>{{n .Receiver.Received}}</td><td>{{n .Receiver.Accepted}}</td><td></td><td></td><td>{{n .Receiver.Refused}}</td><td></td></tr>
{{range .Stages}}<tr><td>{{.Name}}</td><td>{{n .In}}</td><td>{{n .Out}}</td><td>{{n .Dropped}}</td><td>{{n .Added}}</td><td>{{n .Refused}}</td><td>{{f2 .MeanMicros}}</td></tr>
{{end}}<tr><td>forward</td><td>{{n .Forward.Enqueued}}</td><td>{{n .Forward.Sent}}</td><td>{{n .Forward.Dropped}}</td><td></td><td></td><td></td></tr>
</table>
{{with .Receiver.RefusedBy}}<p>Refused by reason: {{range .}}{{.Label}} {{n .Value}}; {{end}}</p>{{end}}

<div class="grid">
<div><h2>Queue and export</h2>
<table id="forward"><tr><th>what</th><th>value</th></tr>
<tr><td>queued items</td><td>{{n .Forward.QueuedItems}}</td></tr>
<tr><td>queued bytes</td><td>{{n .Forward.QueuedBytes}}</td></tr>
<tr><td>backend breaker</td><td>{{if .Forward.BackendBreakerOpen}}<span class="bad">open (sending paused)</span>{{else}}<span class="ok">closed</span>{{end}}</td></tr>
{{range .Forward.Requests}}<tr><td>requests: {{.Label}}</td><td>{{n .Value}}</td></tr>{{end}}
{{range .Forward.DroppedBy}}<tr><td>dropped: {{.Label}}</td><td>{{n .Value}}</td></tr>{{end}}
</table></div>

<div><h2>Database breakers</h2>
{{if gt .BreakerKeys (len .Breakers)}}<p class="muted">{{len .Breakers}} of {{.BreakerKeys}} sources shown, open first</p>{{end}}
<table id="breakers"><tr><th>source</th><th>state</th></tr>
{{range .Breakers}}<tr><td>{{.Key}}</td><td class="{{if eq .State "closed"}}ok{{else}}bad{{end}}">{{.State}}</td></tr>
{{else}}<tr><td colspan="2" class="muted">no source seen yet</td></tr>{{end}}
</table></div>
</div>

<div class="grid">
<div><h2>Sampler rules</h2>
<table id="rules"><tr><th>rule</th><th>matched</th><th>kept</th><th>dropped</th></tr>
{{range .Rules}}<tr><td>{{.Name}}</td><td>{{n .Matched}}</td><td>{{n .Kept}}</td><td>{{n .Dropped}}</td></tr>
{{else}}<tr><td colspan="4" class="muted">nothing matched yet</td></tr>{{end}}
</table>
<h2>Effective sample rate per database</h2>
{{if gt .RateKeys (len .Rates)}}<p class="muted">{{len .Rates}} of {{.RateKeys}} sources shown, lowest rate first</p>{{end}}
<table id="rates"><tr><th>database</th><th>rate</th></tr>
{{range .Rates}}<tr><td>{{.Label}}</td><td>{{f2 .Value}}</td></tr>{{else}}<tr><td colspan="2" class="muted">no budgeted database yet</td></tr>{{end}}
</table></div>

<div><h2>PII found (by type)</h2>
<table id="pii"><tr><th>type</th><th>values</th></tr>
{{range .PII}}<tr><td>{{.Label}}</td><td>{{n .Value}}</td></tr>{{else}}<tr><td colspan="2" class="muted">none found</td></tr>{{end}}
</table>
<h2>Quality fixes</h2>
<table id="fixes"><tr><th>reason</th><th>count</th></tr>
{{range .Fixes}}<tr><td>{{.Label}}</td><td>{{n .Value}}</td></tr>{{else}}<tr><td colspan="2" class="muted">none</td></tr>{{end}}
</table></div>

<div><h2>Plans and cardinality</h2>
<table id="plans"><tr><th>what</th><th>value</th></tr>
<tr><td>plans parsed</td><td>{{n .Plans.Parsed}}</td></tr>
<tr><td>plan errors</td><td>{{n .Plans.Errors}}</td></tr>
<tr><td>plan changes</td><td>{{n .Plans.Changes}}</td></tr>
<tr><td>series tracked</td><td>{{n .Series}}</td></tr>
<tr><td>points folded into overflow</td><td>{{n .Overflow}}</td></tr>
</table></div>
</div>

<h2>Recent plan changes</h2>
<table id="planchanges"><tr><th>time</th><th>database</th><th>query id</th><th>old plan</th><th>new plan</th><th>cost before</th><th>cost after</th></tr>
{{range .PlanChanges}}<tr><td>{{.At.Format "15:04:05"}}</td><td>{{.Database}}</td><td>{{.QueryID}}</td><td>{{.OldHash}}</td><td>{{.NewHash}}</td><td>{{f2 .OldCost}}</td><td>{{f2 .NewCost}}</td></tr>
{{else}}<tr><td colspan="7" class="muted">none yet</td></tr>{{end}}
</table>
</body></html>
`))
