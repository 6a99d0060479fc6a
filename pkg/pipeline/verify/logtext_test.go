package verify

import (
	"regexp"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// secretRE matches what the log lines below plant; none may survive.
var secretRE = regexp.MustCompile(`zz[a-z0-9_]*|31337`)

// TestServerLogText: PostgreSQL (stderr/syslog prefix, as a log shipper
// sends one record per message) and MySQL/MariaDB error-log texts, written
// from the servers' message formats. Each keeps its shape and loses its
// data.
func TestServerLogText(t *testing.T) {
	v, _ := newTest(t, nil)
	cases := []struct{ in, want string }{
		{"2026-11-25 11:59:00.123 UTC [4000] app@shop ERROR:  duplicate key value violates unique constraint \"users_email_key\"\n" +
			"2026-11-25 11:59:00.123 UTC [4000] app@shop DETAIL:  Key (email)=(zzann@example.com) already exists.\n" +
			"2026-11-25 11:59:00.123 UTC [4000] app@shop STATEMENT:  INSERT INTO users (email, note) VALUES ('zzann@example.com', 'zznote 31337');",
			"DETAIL:  Key (email)=(?) already exists.\n2026-11-25 11:59:00.123 UTC [4000] app@shop STATEMENT:  INSERT INTO users (email, note) VALUES (?, ?);"},
		{"ERROR:  new row for relation \"customers\" violates check constraint \"ssn_format\"\nDETAIL:  Failing row contains (1042, zzAnn, 123-45-zz, 2024-01-15 10:30:00+00, t).\nSTATEMENT:  UPDATE customers SET ssn = 'zz1' WHERE id = 31337",
			"DETAIL:  Failing row contains (?).\nSTATEMENT:  UPDATE customers SET ssn = ? WHERE id = ?"},
		{"ERROR:  insert or update on table \"orders\" violates foreign key constraint \"orders_cid_fkey\"\nDETAIL:  Key (cid, region)=(31337, zzeu (west)) is not present in table \"customers\".",
			"Key (cid, region)=(?) is not present in table \"customers\"."},
		{"ERROR:  conflicting key value violates exclusion constraint \"no_overlap\"\nDETAIL:  Key (room, during)=(zz7, [\"2026-01-01 10:00\",\"2026-01-01 11:00\")) conflicts with existing key (room, during)=(zz7, [31337,31338)).",
			"Key (room, during)=(?) conflicts with existing key (room, during)=(?)."},
		{"LOG:  duration: 0.412 ms  execute <unnamed>: SELECT * FROM users WHERE email = $1 AND tier = 'zzgold'\nDETAIL:  parameters: $1 = 'zzbob@example.com'",
			"execute <unnamed>: SELECT * FROM users WHERE email = $1 AND tier = ?\nDETAIL:  parameters: $1 = ?"},
		{"ERROR:  division by zero\nCONTEXT:  unnamed portal with parameters: $1 = 'zzx''y', $2 = '31337'\nSTATEMENT:  SELECT $1::int / 0",
			"CONTEXT:  unnamed portal with parameters: $1 = ?, $2 = ?\nSTATEMENT:  SELECT $1::int / ?"},
		{"LOG:  statement: UPDATE accounts SET balance = 31337 WHERE owner = 'zzbob'",
			"LOG:  statement: UPDATE accounts SET balance = ? WHERE owner = ?"},
		{"ERROR:  invalid input syntax for type integer: \"zzabc\"\nCONTEXT:  COPY users, line 2, column age: \"zzabc\"",
			"integer: \"?\"\nCONTEXT:  COPY users, line 2, column age: \"?\""},
		{"ERROR:  value \"31337000000000\" is out of range for type integer", "value \"?\" is out of range"},
		{"ERROR:  relation \"nope\" does not exist\nQUERY:  SELECT * FROM nope WHERE k = 'zzk'\nCONTEXT:  PL/pgSQL function f() line 3 at PERFORM",
			"QUERY:  SELECT * FROM nope WHERE k = ?\nCONTEXT:  PL/pgSQL function f() line 3 at PERFORM"},
		{"ERROR:  invalid input syntax for type json\nDETAIL:  Token \"zzt\" is invalid.\nCONTEXT:  JSON data, line 1: {\"email\":\"zzann@example.com\",zzt",
			"Token \"?\" is invalid.\nCONTEXT:  JSON data, line 1: ?"},
		{"LOG:  duration: 1.5 ms  plan:\nQuery Text: SELECT * FROM t WHERE a = 'zzqt'\nSeq Scan on t  (cost=0.00..1.01 rows=1 width=4)\n  Filter: (a = 'zzf'::text)",
			"Query Text: SELECT * FROM t WHERE a = ?\nSeq Scan on t  (cost=0.00..1.01 rows=1 width=4)\n  Filter: (a = ?::text)"},
		{"2026-11-25T11:59:00.123456Z 12 [ERROR] [MY-010584] [Repl] Replica SQL for channel '': Worker 1 failed executing transaction 'ANONYMOUS'; Could not execute Write_rows event on table shop.users; Duplicate entry 'zzann@example.com' for key 'users.email', Error_code: 1062; handler error HA_ERR_FOUND_DUPP_KEY, Error_code: MY-001062",
			"Duplicate entry '?' for key 'users.email', Error_code: 1062"},
		{"2026-11-25 11:59:00 8 [ERROR] Slave SQL: Error 'Duplicate entry 'zz1' for key 'PRIMARY'' on query. Default database: 'shop'. Query: 'INSERT INTO t VALUES (1, 'zzbob')', Gtid 0-1-5, Internal MariaDB error code: 1062",
			"Query: 'INSERT INTO t VALUES (?, ?)', Gtid 0-1-5"},
		{"Error 1366 (HY000): Incorrect integer value: 'zzabc' for column 'age' at row 1",
			"Incorrect integer value: '?' for column 'age' at row 1"},
		{"*** (1) TRANSACTION:\nTRANSACTION 1234, ACTIVE 0 sec starting index read\nMariaDB thread id 8, OS thread handle 140, query id 100 localhost app updating\nUPDATE t SET a = 'zzupd' WHERE id = 31337\n*** (1) HOLDS THE LOCK(S):\nRECORD LOCKS space id 2 page no 4 n bits 72 index PRIMARY of table `shop`.`t` trx id 1234 lock_mode X locks rec but not gap\nRecord lock, heap no 2 PHYSICAL RECORD: n_fields 4; compact format; info bits 0\n 0: len 4; hex 80007a69; asc   zi;; 1: len 9; hex 7a7a626f62; asc zzbob;;",
			"UPDATE t SET a = ? WHERE id = ?\n*** (1) HOLDS"},
	}
	for _, c := range cases {
		out, _, _ := v.cleanString(c.in, "", false, 0, "")
		if l := secretRE.FindAllString(out, -1); len(l) > 0 {
			t.Errorf("left %q in\n%s", l, out)
		}
		if !strings.Contains(out, c.want) {
			t.Errorf("lost its shape: want %q in\n%s", c.want, out)
		}
		if again, _, _ := v.cleanString(out, "", false, 0, ""); again != out {
			t.Errorf("second pass changed\n%s\nto\n%s", out, again)
		}
	}
}

// TestServerLogFields: jsonlog and csvlog records as log shippers map them
// to attributes (or a map body): statement/query/internal_query are SQL,
// detail and context are read bare.
func TestServerLogFields(t *testing.T) {
	v, _ := newTest(t, nil)
	m := pcommon.NewMap()
	m.PutStr("error_severity", "ERROR")
	m.PutStr("state_code", "23514")
	m.PutStr("message", `new row for relation "customers" violates check constraint "age_ok"`)
	m.PutStr("detail", "Failing row contains (7, zzann, 31337).")
	m.PutStr("statement", "INSERT INTO customers VALUES (7, 'zzann', 31337)")
	m.PutStr("query", "INSERT INTO customers VALUES (8, 'zzbob', 31337)")
	m.PutStr("internal_query", "SELECT 1 FROM ONLY customers x WHERE id = 'zzref' FOR KEY SHARE OF x")
	m.PutStr("context", "SQL statement \"SELECT 1 FROM t WHERE k = 'zzctx'\"\nPL/pgSQL function f() line 3 at PERFORM")
	if v.attrs(m, 0, "") {
		t.Fatal("dropped")
	}
	raw := m.AsRaw()
	for k, val := range raw {
		if s, _ := val.(string); secretRE.MatchString(s) {
			t.Errorf("%s kept %q", k, s)
		}
	}
	if got := raw["statement"]; got != "INSERT INTO customers VALUES (?, ?, ?)" {
		t.Errorf("statement = %q", got)
	}
	// Outside a server-log record "query" is not SQL.
	other := pcommon.NewMap()
	other.PutStr("query", "price < 100")
	v.attrs(other, 0, "")
	if got, _ := other.Get("query"); got.Str() != "price < 100" {
		t.Errorf("query outside a log record changed: %q", got.Str())
	}
}

func TestLogShapedDoesNotAllocate(t *testing.T) {
	for _, s := range []string{"2026-11-25T10:00:00Z", "Lock:tuple", "SELECT 1", "https://x.example/a"} {
		if logShaped(s, "k") {
			t.Errorf("%q looks like a server log", s)
		}
		if n := testing.AllocsPerRun(100, func() { logShaped(s, "k") }); n != 0 {
			t.Errorf("%q: %v allocations", s, n)
		}
	}
}

// TestFakeMarkerIsScanned: only the markers the verifier writes are
// skipped; a sender's look-alike around a card number is data.
func TestFakeMarkerIsScanned(t *testing.T) {
	v, _ := newTest(t, nil)
	out, _, _ := v.cleanString("note [REDACTED: "+pCard+"] and [HASHED:x:"+pSSN+"]", "", false, 0, "")
	if strings.Contains(out, pCard) || strings.Contains(out, pSSN) {
		t.Fatalf("a look-alike marker hid data: %q", out)
	}
}
