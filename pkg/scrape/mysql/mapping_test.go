package mysql

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/dbintel/dbintel/internal/config"
	"github.com/dbintel/dbintel/pkg/contract"
	"github.com/dbintel/dbintel/pkg/scrape"
)

func TestReplicaStatusSQLByServer(t *testing.T) {
	for info, want := range map[serverInfo]string{
		{mariadb: true, version: 101114}: "SHOW ALL SLAVES STATUS",
		{version: 80036}:                 "SHOW REPLICA STATUS",
		{version: 80021}:                 "SHOW SLAVE STATUS",
	} {
		if got := replicaStatusSQL(info); got != want {
			t.Errorf("%+v: %q, want %q", info, got, want)
		}
	}
}

// TestSessionsSQLByServer: MySQL 8.0.22+ reads the client's port from
// performance_schema.processlist; MariaDB's threads table has it already.
func TestSessionsSQLByServer(t *testing.T) {
	for info, want := range map[serverInfo]string{
		{mariadb: true, version: 101119, ps: true}: sqlSessionsPS,
		{version: 80021, ps: true}:                 sqlSessionsPS,
		{version: 80036, ps: true}:                 sqlSessionsPSHostPort,
		{version: 80036}:                           sqlSessionsProcesslist,
	} {
		if got := sessionsSQL(info); got != want {
			t.Errorf("%+v: wrong sessions query", info)
		}
	}
	if !strings.Contains(sqlSessionsPSHostPort, "LEFT JOIN performance_schema.processlist pl ON pl.ID = t.PROCESSLIST_ID") ||
		!strings.Contains(sqlSessionsPSHostPort, "COALESCE(pl.HOST, t.PROCESSLIST_HOST, '')") {
		t.Errorf("host:port query not rewritten:\n%s", sqlSessionsPSHostPort)
	}
}

func TestLockWaitsSQLByServer(t *testing.T) {
	cases := []struct {
		info serverInfo
		want string
	}{
		{serverInfo{mariadb: true, version: 101114}, "information_schema.INNODB_LOCK_WAITS"},
		{serverInfo{version: 80036}, "performance_schema.data_lock_waits"},
		{serverInfo{version: 50744}, "information_schema.INNODB_LOCK_WAITS"},
	}
	for _, c := range cases {
		if q := lockWaitsSQL(c.info); !strings.Contains(q, c.want) {
			t.Errorf("%+v: query does not read %s", c.info, c.want)
		}
	}
}

// TestMySQL8LockWaitsMapping maps MySQL 8 rows (hand-written, see
// testdata/README.md) to samples and one blocking event.
func TestMySQL8LockWaitsMapping(t *testing.T) {
	raw, err := os.ReadFile("testdata/mysql8_handwritten_lock_waits.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Sessions []struct {
			ID                                                 int64
			ThreadID                                           int64 `json:"thread_id"`
			User, Host, DB, Command, State, Text, Digest, Wait string
		}
		LockWaits []struct {
			Waiter, Blocker             int64
			Mode, Type, Relation, Index string
			WaitUS                      int64 `json:"wait_us"`
		} `json:"lock_waits"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	var sample []session
	for _, s := range doc.Sessions {
		x := session{id: s.ID, threadID: s.ThreadID, user: s.User, host: s.Host, db: s.DB, command: s.Command, state: s.State, text: s.Text, digest: s.Digest, elapsedS: 1.5}
		x.waitName = s.Wait
		x.waitType, x.waitEvent = splitWait(s.Wait)
		sample = append(sample, x)
	}
	var waits []lockWait
	for _, w := range doc.LockWaits {
		waits = append(waits, lockWait{waiter: w.Waiter, blocker: w.Blocker, mode: w.Mode, typ: w.Type, relation: w.Relation, index: w.Index, waitUS: w.WaitUS})
	}
	applyLockWaits(sample, waits)
	if sample[2].waitType != "lock" || len(sample[2].blockedBy) != 2 || sample[1].waitType != "lock" {
		t.Fatalf("waits not applied: %+v", sample)
	}

	cfg := DefaultConfig()
	s := newSamples(scrape.NewTarget("mysql", "db1", 3306, nil), nil, cfg, nil, newSelfMetrics(nil))
	now := time.Unix(1_700_000_000, 0)
	s.add(sample, now)
	b := s.emit(withSystem(s.target, serverInfo{version: 80036}), nil, now)
	bl := events(b.Logs, contract.EventBlocking)
	if len(bl) != 1 {
		t.Fatalf("blocking events = %d", len(bl))
	}
	e := bl[0]
	if got := attr(e, contract.AttrBlockingChain).Slice().AsRaw(); len(got) != 3 || got[0] != int64(21) || got[1] != int64(22) || got[2] != int64(23) {
		t.Errorf("chain = %v, want [21 22 23]", got)
	}
	if attr(e, contract.MySQLBlockingLockRel).Str() != "test.acct (PRIMARY)" || attr(e, contract.MySQLBlockingLockMode).Str() != "X,REC_NOT_GAP" {
		t.Errorf("lock attrs: %v", e.Attributes().AsRaw())
	}
	if attr(e, contract.AttrBlockingMaxWait).Double() != 1.5 || attr(e, contract.AttrNamespace).Str() != "test" {
		t.Errorf("wait/namespace: %v", e.Attributes().AsRaw())
	}
	samples := events(b.Logs, contract.EventQuerySample)
	if len(samples) != 2 {
		t.Fatalf("samples = %d, want 2 (the idle holder is no sample)", len(samples))
	}
	for _, lr := range samples {
		txt := attr(lr, contract.AttrQueryText).Str()
		if strings.Contains(txt, "carol") || !strings.Contains(txt, "?") {
			t.Errorf("text not obfuscated: %q", txt)
		}
		if a := attr(lr, contract.MySQLClientAddress).Str(); a == "" || strings.Contains(a, ":") || attr(lr, contract.MySQLClientPort).Int() < 40000 {
			t.Errorf("client.address %q and client.port %d must be split", a, attr(lr, contract.MySQLClientPort).Int())
		}
		if attr(lr, contract.MySQLStatementTimerWait).Double() != 1.5 || attr(lr, contract.MySQLCurrentDigest).Str() == "" {
			t.Errorf("sample attrs: %v", lr.Attributes().AsRaw())
		}
		if attr(lr, contract.MySQLSessionStatus).Str() != contract.MySQLStatusWaiting || attr(lr, contract.MySQLWaitEventType).Str() != "lock" {
			t.Errorf("a lock waiter must be waiting on lock: %v", lr.Attributes().AsRaw())
		}
	}
	// 23 waits on the holder 21 and on 22 queued before it: the
	// receiver's blockers JSON names both with their thread ids.
	for _, lr := range samples {
		if attr(lr, contract.MySQLSessionID).Int() != 23 {
			continue
		}
		if n := attr(lr, contract.MySQLBlockerCount).Int(); n != 2 {
			t.Errorf("blocker.count = %d, want 2", n)
		}
		want := `[{"thread_id":61,"session_id":21},{"thread_id":62,"session_id":22}]`
		if got := attr(lr, contract.MySQLBlockers).Str(); got != want {
			t.Errorf("blockers = %s, want %s", got, want)
		}
		if attr(lr, contract.MySQLThreadID).Int() != 63 {
			t.Errorf("thread id = %d, want 63", attr(lr, contract.MySQLThreadID).Int())
		}
	}
	if v, _ := b.Logs.ResourceLogs().At(0).Resource().Attributes().Get(contract.AttrDBSystem); v.Str() != contract.SystemMySQL {
		t.Errorf("db.system.name = %q", v.Str())
	}
	// One sample: every session counted once, as a gauge.
	ps := points(b.Metrics, "mysql.sessions", "command", "Query", "wait_event_type", "lock")
	if len(ps) != 1 || ps[0].value() != 2 || ps[0].metric.Type() != pmetric.MetricTypeGauge {
		t.Errorf("mysql.sessions lock waiters = %v", ps)
	}
}

func TestExplainable(t *testing.T) {
	cases := []struct {
		sql  string
		want bool
	}{
		{"SELECT * FROM t WHERE a = 1", true},
		{"  /* app */ select a FROM t", true},
		{"(SELECT 1) UNION (SELECT 2)", true},
		{"WITH x AS (SELECT 1 AS a) SELECT a FROM x", true},
		{"SELECT * FROM t WHERE a = ?", false},    // placeholder: not complete
		{"UPDATE t SET a = 1 WHERE b = 2", false}, // write
		{"DELETE FROM t", false},                  // write
		{"INSERT INTO t SELECT * FROM u", false},  // write
		{"WITH x AS (SELECT 1 AS a) DELETE FROM t WHERE a IN (SELECT a FROM x)", false},
		{"SELECT 1; DROP TABLE t", false}, // second statement
		{"-- c\nSELECT 1;", true},
		{"CALL p()", false},
		{"WITH x AS (SELECT 1 AS a)SELECT(a) FROM x", true},
		{"WITH `a(` AS (SELECT 1) UPDATE t SET v = 1", false},
	}
	obf := newSamples(scrape.Target{}, nil, DefaultConfig(), nil, newSelfMetrics(nil)).obf
	for _, c := range cases {
		_, op := obf.Obfuscate(c.sql)
		if got := explainable(c.sql, op); got != c.want {
			t.Errorf("explainable(%q) = %v (op %q), want %v", c.sql, got, op, c.want)
		}
	}
}

func TestEmitStatusMapping(t *testing.T) {
	d := scrape.NewCounters(100, scrape.Delta, time.Time{})
	t0 := time.Unix(1_700_000_000, 0)
	delta := scrape.Target{Temporality: scrape.Delta}
	status := map[string]string{"Com_select": "10", "Handler_write": "5", "Threads_running": "3",
		"Innodb_buffer_pool_pages_data": "100", "Innodb_buffer_pool_pages_dirty": "10",
		"Innodb_buffer_pool_bytes_data": "1600", "Innodb_buffer_pool_bytes_dirty": "160", "Uptime": "100"}
	mb := scrape.NewMetricsBuilder(delta, scopeName)
	emitStatus(mb, d, status, 1<<20, t0)
	md := mb.Metrics()
	if len(points(md, "mysql.commands")) != 0 {
		t.Error("first value of a counter must be a baseline")
	}
	if p := points(md, "mysql.buffer_pool.data_pages", "status", "clean"); len(p) != 1 || p[0].value() != 90 {
		t.Errorf("clean pages = %v", p)
	}
	if p := points(md, "mysql.buffer_pool.usage", "status", "clean"); len(p) != 1 || p[0].value() != 1440 {
		t.Errorf("clean bytes = %v", p)
	}
	status["Com_select"], status["Uptime"] = "25", "5" // Uptime went down: restarted
	mb = scrape.NewMetricsBuilder(delta, scopeName)
	emitStatus(mb, d, status, 1<<20, t0.Add(10*time.Second))
	md = mb.Metrics()
	p := points(md, "mysql.commands", "command", "select")
	if len(p) != 1 || p[0].value() != 15 || !p[0].dp.StartTimestamp().AsTime().Equal(t0) {
		t.Fatalf("select delta = %v", p)
	}
	if len(points(md, "mysql.uptime")) != 0 {
		t.Error("a counter that went down (restart) must re-baseline, not go negative")
	}
	if p := points(md, "mysql.threads", "kind", "running"); len(p) != 1 || p[0].value() != 3 {
		t.Errorf("threads running = %v", p)
	}
	if len(points(md, "mysql.row_operations")) != 0 {
		t.Error("a status variable the server lacks must be left out")
	}
}

func TestParseHelpers(t *testing.T) {
	for in, want := range map[string]int{"10.11.14-MariaDB-0+deb12u2": 101114, "8.0.36": 80036, "8.4.0-commercial": 80400, "5.7": 50700} {
		if got := parseVersion(in); got != want {
			t.Errorf("parseVersion(%q) = %d, want %d", in, got, want)
		}
	}
	if typ, ev := splitWait("wait/io/table/sql/handler"); typ != "io" || ev != "table/sql/handler" {
		t.Errorf("splitWait = %q %q", typ, ev)
	}
	r := parseReplicaRow([]string{"Replica_IO_Running", "Replica_SQL_Running", "Seconds_Behind_Source", "SQL_Delay", "Channel_Name"},
		[]nullString{ns("Yes"), ns("No"), {}, ns("30"), ns("c1")})
	if !r.ioRun || r.sqlRunning || r.behind != nil || r.sqlDelay != 30 || r.channel != "c1" {
		t.Errorf("replica row = %+v", r)
	}
	r = parseReplicaRow([]string{"Slave_IO_Running", "Seconds_Behind_Master"}, []nullString{ns("Yes"), ns("12")})
	if !r.ioRun || r.behind == nil || *r.behind != 12 {
		t.Errorf("old-name replica row = %+v", r)
	}
}

func TestConfigValidate(t *testing.T) {
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	if DefaultConfig().Enabled() {
		t.Error("no DSN must mean off")
	}
	bad := DefaultConfig()
	bad.DSN = config.Secret("user:secretpw@tcp(db:3306)/?badparam=%zz")
	bad.QueryTimeout = 20 * time.Second
	bad.QueryStats.TopN = 0
	bad.Samples.EmitInterval = time.Millisecond
	bad.Explain.Enabled = true
	bad.Explain.MaxPerQueryPerHour = 0
	err := bad.Validate()
	if err == nil {
		t.Fatal("want problems")
	}
	for _, k := range []string{"dsn", "query_timeout", "query_stats.top_n", "samples.emit_interval", "explain.max_per_query_per_hour"} {
		if !strings.Contains(err.Error(), k) {
			t.Errorf("missing problem for %s in %v", k, err)
		}
	}
	if strings.Contains(err.Error(), "secretpw") {
		t.Error("a DSN problem must not echo the password")
	}
}

func TestNewTargetFromDSN(t *testing.T) {
	cfg := DefaultConfig()
	cfg.DSN = config.Secret("scraper:pw@tcp(db.example:3307)/")
	tg, err := NewTarget(cfg, map[string]string{"env": "prod"})
	if err != nil {
		t.Fatal(err)
	}
	if tg.Address != "db.example" || tg.Port != 3307 || tg.System != "mysql" || tg.InstanceID == "" {
		t.Fatalf("target = %+v", tg)
	}
	if got := withSystem(tg, serverInfo{mariadb: true}); got.System != "mariadb" || got.InstanceID != tg.InstanceID {
		t.Fatalf("withSystem changed identity: %+v", got)
	}
}

// TestSessionsAveraged: mysql.sessions is the average number of sessions
// per sample over the window (active session history), and query samples
// of one statement seen twice fold into one event with sample_count 2.
func TestSessionsAveraged(t *testing.T) {
	s := newSamples(testTarget(), nil, DefaultConfig(), nil, newSelfMetrics(nil))
	now := time.Unix(1_700_000_000, 0)
	busy := session{id: 7, db: "app", command: "Query", text: "SELECT 1", elapsedS: 3}
	idle := session{id: 8, db: "app", command: "Sleep"}
	s.add([]session{busy, idle}, now)
	busy.elapsedS = 4
	s.add([]session{busy}, now.Add(time.Second))
	s.add(nil, now.Add(2*time.Second))
	b := s.emit(s.target, nil, now.Add(2*time.Second))
	if p := points(b.Metrics, "mysql.sessions", "command", "Query"); len(p) != 1 || p[0].value() != 2.0/3 {
		t.Errorf("active average = %v, want 2/3", p)
	}
	if p := points(b.Metrics, "mysql.sessions", "command", "Sleep"); len(p) != 1 || p[0].value() != 1.0/3 {
		t.Errorf("idle average = %v, want 1/3", p)
	}
	ev := events(b.Logs, contract.EventQuerySample)
	if len(ev) != 1 || attr(ev[0], contract.AttrSampleCount).Int() != 2 || attr(ev[0], contract.MySQLStatementTimerWait).Double() != 4 {
		t.Fatalf("samples = %d, want one with sample_count 2 and the latest duration", len(ev))
	}
}
