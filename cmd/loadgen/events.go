package main

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/dbintel/dbintel/pkg/contract"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// statements carry literals and PII (email, card with a valid Luhn digit,
// SSN, phone, a password) as an application that skipped parameters would
// send them; the gateway must obfuscate and redact them.
var statements = []string{
	"SELECT id, name FROM customers WHERE email = 'alice.smith@example.com' AND tenant_id = %d",
	"UPDATE payments SET status = 'settled' WHERE card_number = '4111111111111111' AND amount > %d.50",
	"INSERT INTO people (ssn, phone, note) VALUES ('123-45-6789', '+1 415 555 0132', 'call back %d')",
	"SELECT * FROM orders o JOIN order_items i ON i.order_id = o.id WHERE o.created_at > now() - interval '%d days'",
	"DELETE FROM sessions WHERE token = 'Bearer abc.def.%d' OR expires_at < now()",
	"SELECT count(*) FROM events WHERE payload ->> 'ip' = '10.1.2.%d'",
	"ALTER ROLE app PASSWORD 'hunter%d-secret'",
	"SELECT balance FROM accounts WHERE iban = 'DE89370400440532013000' AND branch = %d",
}

// logs mixes the scraper's events: top queries, session samples and
// (every 25th record) a query plan of 2–20 KB.
func logs(v, items int, now time.Time) plog.Logs {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	serverResource(rl.Resource(), v)
	sl := rl.ScopeLogs().AppendEmpty()
	scope(sl.Scope())
	ts := pcommon.NewTimestampFromTime(now)
	for i := range items {
		lr := sl.LogRecords().AppendEmpty()
		lr.SetTimestamp(ts)
		lr.SetObservedTimestamp(ts)
		a := lr.Attributes()
		qid := strconv.Itoa(1_000_000*v + i)
		text := fmt.Sprintf(statements[i%len(statements)], i)
		a.PutStr(contract.AttrNamespace, fmt.Sprintf("app_%d", i%5))
		a.PutStr(contract.AttrQueryText, text)
		a.PutStr(contract.PGRoleName, "app")
		switch {
		case i%25 == 0:
			lr.SetEventName(contract.EventQueryPlan)
			a.PutStr(contract.PGQueryID, qid)
			a.PutStr(contract.PGQueryPlan, plan(2<<10+(i*7919)%(18<<10), i))
			a.PutStr(contract.PGPlanSource, "auto_explain")
		case i%5 == 0:
			lr.SetEventName(contract.EventQuerySample)
			a.PutStr(contract.PGSampleQueryID, qid)
			a.PutInt(contract.PGPID, int64(4000+i))
			a.PutStr(contract.PGState, "active")
			a.PutStr(contract.PGWaitEventType, "IO")
			a.PutStr(contract.PGWaitEvent, "DataFileRead")
			a.PutStr(contract.PGApplicationName, "billing-api")
			a.PutDouble(contract.PGTotalExecTime, float64(i%300))
		default:
			lr.SetEventName(contract.EventTopQuery)
			a.PutStr(contract.PGQueryID, qid)
			a.PutInt(contract.PGCalls, int64(10+i%90))
			a.PutDouble(contract.PGTotalExecTime, float64(i%97)*1.5)
			a.PutDouble(contract.PGTotalPlanTime, float64(i%13)*0.1)
			a.PutInt(contract.PGRows, int64(i%1000))
			a.PutInt(contract.PGSharedBlksHit, int64(i*3))
			a.PutInt(contract.PGSharedBlksRead, int64(i%17))
		}
	}
	return ld
}

// plan returns a PostgreSQL EXPLAIN (FORMAT JSON) document of about size
// bytes: a join tree whose filters still hold literals and PII.
func plan(size, seed int) string {
	type node map[string]any
	leaf := func(k int) node {
		return node{"Node Type": "Seq Scan", "Parallel Aware": false, "Relation Name": fmt.Sprintf("table_%d", (seed+k)%40),
			"Alias": fmt.Sprintf("t%d", k), "Startup Cost": 0.0, "Total Cost": 1234.5 + float64(k), "Plan Rows": 100 * k, "Plan Width": 64,
			"Filter": fmt.Sprintf("((email)::text = 'user%d@example.com'::text) AND (amount > %d)", k, seed), "Output": []string{"id", "email", "amount", "created_at"}}
	}
	root := leaf(0)
	for k := 1; ; k++ {
		root = node{"Node Type": "Hash Join", "Join Type": "Inner", "Startup Cost": 10.0, "Total Cost": 2000.0 + float64(k),
			"Plan Rows": 500, "Plan Width": 128, "Hash Cond": fmt.Sprintf("(t%d.id = t%d.ref_id)", k-1, k),
			"Plans": []node{root, {"Node Type": "Hash", "Plans": []node{leaf(k)}}}}
		b, _ := json.Marshal([]node{{"Plan": root, "Query Text": "SELECT ..."}})
		if len(b) >= size || k > 200 {
			return string(b)
		}
	}
}

// traces are application spans around database calls, db.statement
// carrying the literal SQL.
func traces(v, items int, now time.Time) ptrace.Traces {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	ra := rs.Resource().Attributes()
	ra.PutStr(contract.AttrServiceName, fmt.Sprintf("checkout-%d", v%servers))
	ra.PutStr("deployment.environment.name", "load")
	ss := rs.ScopeSpans().AppendEmpty()
	ss.Scope().SetName("go.opentelemetry.io/contrib/instrumentation/database/sql")
	start := pcommon.NewTimestampFromTime(now.Add(-time.Second))
	end := pcommon.NewTimestampFromTime(now)
	for i := range items {
		s := ss.Spans().AppendEmpty()
		var tid [16]byte
		var sid [8]byte
		copy(tid[:], fmt.Sprintf("%016d", 1_000_000*v+i/10))
		copy(sid[:], strings.Repeat("s", 4)+fmt.Sprintf("%04d", i%10000))
		s.SetTraceID(tid)
		s.SetSpanID(sid)
		s.SetName("SELECT app")
		s.SetKind(ptrace.SpanKindClient)
		s.SetStartTimestamp(start)
		s.SetEndTimestamp(end)
		a := s.Attributes()
		a.PutStr(contract.AttrDBSystem, contract.SystemPostgreSQL)
		a.PutStr("db.statement", fmt.Sprintf(statements[i%len(statements)], i))
		a.PutStr(contract.AttrNamespace, "app")
		a.PutStr(contract.AttrServerAddress, "pg-0.db.internal")
		a.PutInt(contract.AttrServerPort, 5432)
	}
	return td
}
