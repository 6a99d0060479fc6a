package verify

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/dbintel/dbintel/test/pgtest"
)

// csvlogColumns are PostgreSQL 15's csvlog columns (runtime-config-logging,
// "Using CSV-Format Log Output"), the names log shippers give the fields.
var csvlogColumns = []string{"log_time", "user_name", "database_name", "process_id", "connection_from", "session_id",
	"session_line_num", "command_tag", "session_start_time", "virtual_transaction_id", "transaction_id",
	"error_severity", "sql_state_code", "message", "detail", "hint", "internal_query", "internal_query_pos", "context",
	"query", "query_pos", "location", "application_name", "backend_type", "leader_pid", "query_id"}

// TestRealPostgresLogs runs a unique violation, a check violation, a bad
// input and a slow statement with bound parameters through a real
// PostgreSQL 15 that logs to stderr, csvlog and jsonlog with parameters
// and auto_explain plans, sends every record the way a log shipper would
// (stderr lines as bodies; csvlog and jsonlog fields as attributes and as
// map bodies), and checks that no planted value gets past the verifier.
// The values are not emails or numbers a recogniser would know: only the
// log structure can find them.
func TestRealPostgresLogs(t *testing.T) {
	if testing.Short() || !pgtest.Available(15) {
		t.Skip("needs PostgreSQL 15")
	}
	srv := pgtest.Start(t,
		pgtest.WithSetting("log_destination", "'stderr,csvlog,jsonlog'"),
		pgtest.WithSetting("log_min_duration_statement", "0"),
		pgtest.WithSetting("log_parameter_max_length", "-1"),
		pgtest.WithSetting("log_parameter_max_length_on_error", "-1"),
		pgtest.WithSetting("auto_explain.log_min_duration", "0"),
		pgtest.WithSetting("auto_explain.log_format", "json"))
	ctx := context.Background()
	conn := srv.Conn(t)
	srv.Exec(t, "CREATE TABLE users (id int PRIMARY KEY, handle text UNIQUE, age int CHECK (age > 0), note text)")
	insert := "INSERT INTO users VALUES ($1, $2, $3, $4)"
	if _, err := conn.Exec(ctx, insert, 1, "zzhandle_one", 30, "zznote_one"); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]any{{2, "zzhandle_one", 31, "zznote_dup"}, {3, "zzhandle_three", -5, "zznote_check"}} {
		if _, err := conn.Exec(ctx, insert, args...); err == nil {
			t.Fatalf("%v: want a constraint violation", args)
		}
	}
	conn.Exec(ctx, "SELECT 'zzbadint'::int")
	if _, err := conn.Exec(ctx, "SELECT count(*) FROM users WHERE note = 'zzliteral_note' OR handle = $1", "zzparam_handle"); err != nil {
		t.Fatal(err)
	}
	srv.Exec(t, "SELECT 'zzlast_marker_done'")

	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("service.name", "postgresql")
	recs := rl.ScopeLogs().AppendEmpty().LogRecords()
	read := func(name string) []byte {
		var b []byte
		deadline := time.Now().Add(30 * time.Second)
		for time.Now().Before(deadline) {
			b, _ = os.ReadFile(filepath.Join(srv.LogDir(), name))
			if bytes.Contains(b, []byte("zzlast_marker_done")) {
				return b
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Fatalf("%s never logged the last statement:\n%s", name, b)
		return nil
	}
	// stderr: line by line, and grouped as a multi-line shipper does
	// (continuation lines start with a tab).
	stderr := string(read("postgresql.log"))
	for _, line := range strings.Split(stderr, "\n") {
		recs.AppendEmpty().Body().SetStr(line)
	}
	for _, rec := range strings.Split(stderr, "\n2") {
		recs.AppendEmpty().Body().SetStr("2" + rec)
	}
	for _, line := range bytes.Split(read("postgresql.json"), []byte("\n")) {
		var m map[string]any
		if json.Unmarshal(line, &m) != nil {
			continue
		}
		if err := recs.AppendEmpty().Attributes().FromRaw(m); err != nil {
			t.Fatal(err)
		}
		if err := recs.AppendEmpty().Body().SetEmptyMap().FromRaw(m); err != nil {
			t.Fatal(err)
		}
	}
	rows, err := csv.NewReader(bytes.NewReader(read("postgresql.csv"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range rows {
		a := recs.AppendEmpty().Attributes()
		for i, v := range row {
			if i < len(csvlogColumns) && v != "" {
				a.PutStr(csvlogColumns[i], v)
			}
		}
	}
	before, _ := (&plog.JSONMarshaler{}).MarshalLogs(ld)
	for _, want := range []string{"already exists", "Failing row contains", "parameters: $1", "zzliteral_note", "Query Text"} {
		if !bytes.Contains(before, []byte(want)) {
			t.Fatalf("the server logs lack %q: the test no longer covers it", want)
		}
	}

	v, _ := newTest(t, func(c *Config) { c.Quality.LogTimeFix = "now" })
	for i := 0; i < recs.Len(); i++ {
		if v.logRecord(recs.At(i), rl.Resource().Attributes(), v.window()) {
			t.Fatalf("record %d dropped", i)
		}
	}
	after, _ := (&plog.JSONMarshaler{}).MarshalLogs(ld)
	for _, loc := range secretRE.FindAllIndex(after, -1) {
		t.Errorf("left in the verified logs: …%s…", after[max(loc[0]-120, 0):min(loc[1]+40, len(after))])
	}
	for _, want := range []string{"Key (handle)=(?) already exists", "Failing row contains (?)", "parameters: $1 = ?"} {
		if !bytes.Contains(after, []byte(want)) {
			t.Errorf("verified logs lack %q", want)
		}
	}
}
