package verify

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"maps"
	"math"
	"slices"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/dbintel/dbintel/pkg/pipeline"
)

var testNow = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// Values planted in test batches; none may survive verification.
const (
	pEmail  = "ann.smith@example.com"
	pCard   = "4111 1111 1111 1111"
	pSSN    = "123-45-6789"
	pPhone  = "+1 415 555 2671"
	pIBAN   = "DE89370400440532013000"
	pSecret = "s3cr3tPassw0rd"
)

// The allow-listed db.query.id holds 4111111111111111 on purpose; the
// planted card is checked in its spaced form.
var planted = []string{pEmail, pCard, pSSN, pPhone, pIBAN, pSecret}

func newTest(t testing.TB, mut func(*Config)) (*Verifier, *bytes.Buffer) {
	t.Helper()
	c := DefaultConfig()
	if mut != nil {
		mut(&c)
	}
	var logs bytes.Buffer
	v, err := New(c, nil, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	v.now = func() time.Time { return testNow }
	return v, &logs
}

func ts(d time.Duration) pcommon.Timestamp { return pcommon.NewTimestampFromTime(testNow.Add(d)) }

// mixedBatch holds every place a value can hide: resource, scope and point
// attributes, nested maps and arrays, log bodies (string, map, plan), SQL
// attributes, span names, events, links and status.
func mixedBatch() pipeline.Batch {
	b := pipeline.NewBatch()

	rm := b.Metrics.ResourceMetrics().AppendEmpty()
	rm.Resource().Attributes().PutStr("db.system.name", "postgresql")
	rm.Resource().Attributes().PutStr("owner", "dba team <"+pEmail+">")
	sm := rm.ScopeMetrics().AppendEmpty()
	g := sm.Metrics().AppendEmpty()
	g.SetName("postgresql.backends")
	dp := g.SetEmptyGauge().DataPoints().AppendEmpty()
	dp.SetTimestamp(ts(0))
	dp.SetIntValue(7)
	dp.Attributes().PutStr("db.namespace", "shop")
	dp.Attributes().PutStr("contact", "call "+pPhone)
	nested := dp.Attributes().PutEmptyMap("labels")
	nested.PutStr("note", "ssn "+pSSN)
	arr := dp.Attributes().PutEmptySlice("tags")
	arr.AppendEmpty().SetStr("iban " + pIBAN)
	arr.AppendEmpty().SetInt(3)
	dp.Exemplars().AppendEmpty().FilteredAttributes().PutStr("enduser.id", pEmail)

	rl := b.Logs.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("db.system.name", "postgresql")
	lrs := rl.ScopeLogs().AppendEmpty().LogRecords()
	lr := lrs.AppendEmpty()
	lr.SetTimestamp(ts(-time.Minute))
	lr.Body().SetStr("ERROR:  new row violates check constraint\nDETAIL:  Failing row contains (1, Ann, " + pSSN + ", t).")
	lr = lrs.AppendEmpty()
	lr.SetTimestamp(ts(-time.Minute))
	lr.SetEventName("db.server.top_query")
	lr.Attributes().PutStr("db.query.text", "SELECT * FROM users WHERE email = '"+pEmail+"' AND card = '"+pCard+"' LIMIT 10")
	lr.Attributes().PutStr("db.query.id", "4111111111111111")
	lr.Body().SetEmptyMap().PutStr("msg", "dsn postgres://app:"+pSecret+"@db1:5432/shop")
	lr = lrs.AppendEmpty()
	lr.SetTimestamp(ts(-time.Minute))
	lr.SetEventName("db.server.query_plan")
	lr.Body().SetStr(`[{"Plan": {"Node Type": "Index Scan", "Relation Name": "users", "Index Name": "users_email_key", "Index Cond": "((email)::text = '` + pEmail + `'::text)", "Filter": "(id > 42)", "Total Cost": 8.31, "Plan Rows": 1}}]`)

	rs := b.Traces.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "checkout")
	sp := rs.ScopeSpans().AppendEmpty().Spans().AppendEmpty()
	sp.SetName("charge card " + pCard)
	sp.SetStartTimestamp(ts(-time.Second))
	sp.SetEndTimestamp(ts(0))
	sp.Attributes().PutStr("db.system.name", "mysql")
	sp.Attributes().PutStr("db.statement", `INSERT INTO payments (email, card) VALUES ("`+pEmail+`", '`+pCard+`')`)
	sp.Attributes().PutStr("url.full", "https://api.example.com/pay?iban="+pIBAN)
	ev := sp.Events().AppendEmpty()
	ev.SetName("exception")
	ev.Attributes().PutStr("exception.message", "Duplicate entry '"+pEmail+"' for key 'users.email'")
	sp.Links().AppendEmpty().Attributes().PutStr("peer", "Authorization: Bearer abcDEF123456ghiJKL")
	sp.Status().SetMessage("card " + pCard + " declined")
	return b
}

// dump renders a batch as OTLP JSON, as the backend would receive it.
func dump(t testing.TB, b pipeline.Batch) string {
	t.Helper()
	var out bytes.Buffer
	for _, f := range []func() ([]byte, error){
		func() ([]byte, error) { return (&pmetric.JSONMarshaler{}).MarshalMetrics(b.Metrics) },
		func() ([]byte, error) { return (&plog.JSONMarshaler{}).MarshalLogs(b.Logs) },
		func() ([]byte, error) { return (&ptrace.JSONMarshaler{}).MarshalTraces(b.Traces) },
	} {
		p, err := f()
		if err != nil {
			t.Fatal(err)
		}
		// Decode JSON so a value cannot hide behind an escape (\u0040).
		var v any
		if err := json.Unmarshal(p, &v); err != nil {
			t.Fatal(err)
		}
		collect(v, &out)
	}
	return out.String()
}

func collect(v any, out *bytes.Buffer) {
	switch x := v.(type) {
	case string:
		out.WriteString(x)
		out.WriteByte('\n')
	case []any:
		for _, e := range x {
			collect(e, out)
		}
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(x)) {
			out.WriteString(k)
			out.WriteByte('\n')
			collect(x[k], out)
		}
	}
}

func process(t testing.TB, v *Verifier, b pipeline.Batch) pipeline.Batch {
	t.Helper()
	out, err := v.Process(context.Background(), b)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

var nan = math.NaN()
