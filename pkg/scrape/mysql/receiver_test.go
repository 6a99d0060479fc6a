package mysql

import (
	"encoding/json"
	"os"
	"testing"
	"time"
	"unicode/utf8"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/dbintel/dbintel/pkg/contract"
	"github.com/dbintel/dbintel/pkg/scrape"
)

// receiverFields reads testdata/nrmysqlreceiver_fields.json: per event, the
// attributes nrmysqlreceiver sends and their types.
func receiverFields(t *testing.T) map[string]map[string]string {
	t.Helper()
	raw, err := os.ReadFile("testdata/nrmysqlreceiver_fields.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]string{}
	for _, ev := range []string{contract.EventTopQuery, contract.EventQuerySample, contract.EventQueryPlan} {
		m := map[string]string{}
		if err := json.Unmarshal(doc[ev], &m); err != nil || len(m) == 0 {
			t.Fatalf("%s: %v", ev, err)
		}
		out[ev] = m
	}
	return out
}

var valueTypes = map[string]pcommon.ValueType{"str": pcommon.ValueTypeStr, "int": pcommon.ValueTypeInt, "double": pcommon.ValueTypeDouble}

// checkFields fails for every receiver attribute lr lacks or carries with
// another type.
func checkFields(t *testing.T, lr plog.LogRecord, want map[string]string) {
	t.Helper()
	for k, typ := range want {
		v, ok := lr.Attributes().Get(k)
		if !ok {
			t.Errorf("%s: missing %s", lr.EventName(), k)
			continue
		}
		if v.Type() != valueTypes[typ] {
			t.Errorf("%s: %s is %s, receiver sends %s", lr.EventName(), k, v.Type(), typ)
		}
	}
	if lr.Body().Type() != pcommon.ValueTypeEmpty {
		t.Errorf("%s: body %v; the receiver's is empty", lr.EventName(), lr.Body().AsRaw())
	}
}

// TestEventsMatchReceiver builds each event from rows as MariaDB and MySQL
// return them and checks it field by field against the receiver's
// expected outputs.
func TestEventsMatchReceiver(t *testing.T) {
	want := receiverFields(t)
	now := time.Unix(1_700_000_000, 0)
	target := withSystem(testTarget(), serverInfo{mariadb: true, version: 101119})

	lb := scrape.NewLogsBuilder(target, scopeName)
	d := digestDelta{key: digestKey{schema: "shop", digest: "c16f24f9"},
		d: digestCounters{calls: 5, timerPS: 1_021_918_999, rowsSent: 7, rowsExamined: 70}}
	topQueryEvent(lb, d, digestText{text: "SELECT * FROM t WHERE id = ?", op: "SELECT", hash: "bd4c"}, now)
	top := lb.Logs().ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0)
	checkFields(t, top, want[contract.EventTopQuery])
	if got := attr(top, contract.MySQLSumTimerWait).Double(); got != 0.001021918999 {
		t.Errorf("sum_timer_wait = %v s, want 0.001021918999 (the receiver's seconds)", got)
	}

	s := newSamples(target, nil, DefaultConfig(), nil, newSelfMetrics(nil))
	holder := session{id: 21, threadID: 61, user: "app", host: "10.0.0.5:51512", db: "shop", command: "Sleep"}
	waiter := session{id: 22, threadID: 62, user: "app", host: "10.0.0.6:40400", db: "shop", command: "Query",
		state: "updating", text: "UPDATE t SET x = 1 WHERE id = 2", digest: "aaaa", eventID: 91, timerStart: 5, elapsedS: 0.5}
	sample := []session{holder, waiter}
	applyLockWaits(sample, []lockWait{{waiter: 22, blocker: 21, mode: "X", typ: "RECORD", relation: "shop.t", waitUS: 400_000}})
	s.add(sample, now)
	plan := planResult{s: waiter, text: "SELECT ?", op: "SELECT", queryID: "aaaa", plan: []byte(`{"query_block":{}}`)}
	b := s.emit(target, []planResult{plan}, now)
	samples := events(b.Logs, contract.EventQuerySample)
	if len(samples) != 1 {
		t.Fatalf("samples = %d, want 1", len(samples))
	}
	checkFields(t, samples[0], want[contract.EventQuerySample])
	if got := attr(samples[0], contract.MySQLQueryPlanHash).Str(); got != "aaaa" {
		t.Errorf("sample of an explained digest: plan hash %q, want the digest", got)
	}
	plans := events(b.Logs, contract.EventQueryPlan)
	if len(plans) != 1 {
		t.Fatalf("plans = %d, want 1", len(plans))
	}
	checkFields(t, plans[0], want[contract.EventQueryPlan])
	if attr(plans[0], contract.MySQLQueryPlanSource).Str() != contract.EventQuerySample {
		t.Errorf("plan source = %q", attr(plans[0], contract.MySQLQueryPlanSource).Str())
	}
	bl := events(b.Logs, contract.EventBlocking)
	if len(bl) != 1 || bl[0].Body().Type() != pcommon.ValueTypeMap {
		t.Fatalf("blocking events = %d", len(bl))
	}

	// MariaDB is a MySQL entity: db.system.name mysql on resource and
	// records, the product told apart, the receiver's scope.
	rl := b.Logs.ResourceLogs().At(0)
	res := rl.Resource().Attributes()
	if v, _ := res.Get(contract.AttrDBSystem); v.Str() != contract.SystemMySQL {
		t.Errorf("resource db.system.name = %q", v.Str())
	}
	if v, _ := res.Get(contract.AttrMySQLEndpoint); v.Str() != "127.0.0.1:3306" {
		t.Errorf("mysql.instance.endpoint = %q", v.Str())
	}
	if v, _ := res.Get(contract.AttrDBProduct); v.Str() != contract.SystemMariaDB {
		t.Errorf("product = %q", v.Str())
	}
	if got := rl.ScopeLogs().At(0).Scope().Name(); got != contract.ScopeMySQL {
		t.Errorf("scope = %q", got)
	}
}

// TestSessionStatus: the receiver's status and wait triple for a running,
// a waiting and an idle-in-statement session.
func TestSessionStatus(t *testing.T) {
	for _, tc := range []struct {
		s                         session
		status, typ, class, event string
	}{
		{session{command: "Query", text: "SELECT 1"}, "running", "CPU", "CPU", "CPU"},
		{session{command: "Query", text: "SELECT 1", waitName: "wait/io/table/sql/handler", waitType: "io", waitEvent: "table/sql/handler"},
			"waiting", "wait/io/table/sql/handler", "io", "table/sql/handler"},
		{session{command: "Query", text: "x", blockedBy: []int64{1}, waitType: "lock", waitEvent: "innodb/row_lock"},
			"waiting", "wait/lock/innodb/row_lock", "lock", "innodb/row_lock"},
		{session{command: "Connect"}, "other", "other", "other", "other"},
		{session{command: "Query", state: "User sleep", text: "SELECT SLEEP(1)", waitName: "wait/synch/cond/sql/Item_func_sleep::cond", waitType: "synch", waitEvent: "cond/sql/Item_func_sleep::cond"},
			"waiting", "User sleep", "User sleep", "User sleep"},
	} {
		typ, class, event := tc.s.waitAttrs()
		if tc.s.status() != tc.status || typ != tc.typ || class != tc.class || event != tc.event {
			t.Errorf("%+v: got %s %s %s %s", tc.s, tc.s.status(), typ, class, event)
		}
	}
}

// TestEmitStatusCumulative: with the default temporality counters carry
// the server's value from the first scrape, marked cumulative, and a reset
// (restart) starts a new series instead of going negative.
func TestEmitStatusCumulative(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	since := t0.Add(-time.Minute)
	d := scrape.NewCounters(100, scrape.Cumulative, since)
	// MySQL 8.0 variables as its manual documents them (MariaDB lacks the
	// last four: X Plugin, Innodb_rows_*, Innodb_os_log_fsyncs).
	status := map[string]string{"Com_select": "10", "Uptime": "100", "Max_used_connections": "4", "Innodb_page_size": "16384",
		"Innodb_buffer_pool_pages_total": "2028", "Mysqlx_connections_accepted": "3", "Mysqlx_worker_threads": "2",
		"Innodb_rows_read": "700", "Innodb_os_log_fsyncs": "12"}
	mb := scrape.NewMetricsBuilder(testTarget(), scopeName)
	emitStatus(mb, d, status, 1<<20, t0)
	md := mb.Metrics()
	p := points(md, "mysql.commands", "command", "select")
	if len(p) != 1 || p[0].value() != 10 || !p[0].dp.StartTimestamp().AsTime().Equal(since) {
		t.Fatalf("first cumulative value = %v", p)
	}
	if s := p[0].metric.Sum(); s.AggregationTemporality() != pmetric.AggregationTemporalityCumulative || !s.IsMonotonic() {
		t.Errorf("mysql.commands: %s monotonic=%v", s.AggregationTemporality(), s.IsMonotonic())
	}
	for _, c := range []struct {
		name  string
		attrs []string
		v     float64
	}{
		{"mysql.max_used_connections", nil, 4}, {"mysql.page_size", nil, 16384},
		{"mysql.buffer_pool.pages", []string{"kind", "total"}, 2028},
		{"mysql.mysqlx_connections", []string{"status", "accepted"}, 3},
		{"mysql.mysqlx_worker_threads", []string{"kind", "available"}, 2},
		{"mysql.row_operations", []string{"operation", "read"}, 700},
		{"mysql.log_operations", []string{"operation", "fsyncs"}, 12},
	} {
		if p := points(md, c.name, c.attrs...); len(p) != 1 || p[0].value() != c.v {
			t.Errorf("%s %v = %v, want %v", c.name, c.attrs, p, c.v)
		}
	}
	status["Uptime"] = "5" // restarted
	mb = scrape.NewMetricsBuilder(testTarget(), scopeName)
	t1 := t0.Add(10 * time.Second)
	emitStatus(mb, d, status, 1<<20, t1)
	up := points(mb.Metrics(), "mysql.uptime")
	if len(up) != 1 || up[0].value() != 5 || !up[0].dp.StartTimestamp().AsTime().After(since) {
		t.Errorf("uptime after restart = %v, want 5 with a new start", up)
	}
}

// TestHostileServerStrings: processlist hosts and digest texts come from
// the server (a client chooses its host name and statement).
func TestHostileServerStrings(t *testing.T) {
	for _, tc := range []struct {
		host string
		addr string
		port int64
	}{
		{"10.0.0.5:51512", "10.0.0.5", 51512}, {"[::1]:40000", "::1", 40000}, {"localhost", "localhost", 0},
		{"", "", 0}, {"host:notaport", "host", 0}, {"a:b:c", "a:b:c", 0}, {"[::1]", "::1", 0},
	} {
		if addr, port := clientAddress(tc.host); addr != tc.addr || port != tc.port {
			t.Errorf("clientAddress(%q) = %q %d, want %q %d", tc.host, addr, port, tc.addr, tc.port)
		}
	}
	for _, s := range []string{"é" + string(make([]byte, 200)), "\xff\xfe\xfd" + string(make([]byte, 200)), "\x80\x80\x80\x80"} {
		if got := cutUTF8(s, 3); len(got) > 3 || (got != "" && !utf8.RuneStart(got[0])) {
			t.Errorf("cutUTF8(%q) = %q", s[:4], got)
		}
	}
}
