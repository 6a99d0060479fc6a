package postgres

import (
	"strings"
	"testing"
)

// TestOwnStatementsSurviveNormalisation: PostgreSQL 18's pg_stat_statements
// stores the scraper's statement without its leading marker comment and
// with constants (keywords the grammar turns into constants included) as
// $n; the scraper still recognises it, under its own role only.
func TestOwnStatementsSurviveNormalisation(t *testing.T) {
	sent := ownMarker + `SELECT COALESCE(client_addr::text, 'unix'),
  CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_has_role('pg_monitor', 'MEMBER') END,
  EXTRACT(EPOCH FROM write_lag)::float8, s.toplevel = true
FROM pg_stat_replication s WHERE s.pid = ANY($1) LIMIT 500`
	stored := `SELECT COALESCE(client_addr::text, $1),
  CASE WHEN pg_is_in_recovery() THEN $2 ELSE pg_has_role($3, $4) END,
  EXTRACT($5 FROM write_lag)::float8, s.toplevel = $6
FROM pg_stat_replication s WHERE s.pid = ANY($7) LIMIT $8`
	own := newOwnStatements()
	own.note(sent)
	cfg, err := newConnConfig("postgres://monitor@127.0.0.1:5432/postgres", 0)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Tracer = own
	c := newConn(cfg, nil)
	c.role.Store(16384)
	tests := []struct {
		name   string
		userid int64
		text   string
		want   bool
	}{
		{"stored by 18, scraper's role", 16384, stored, true},
		{"with the marker, any role", 10, ownMarker + "SELECT 1", true},
		{"same text, another role", 10, stored, false},
		{"a different statement, scraper's role", 16384, "SELECT COALESCE(client_addr::text, $1) FROM pg_stat_replication", false},
		{"a user's statement", 16384, "SELECT * FROM orders WHERE id = $1", false},
	}
	for _, tt := range tests {
		if got := c.isOwn(tt.userid, tt.text); got != tt.want {
			t.Errorf("%s: isOwn = %v, want %v (normalised %q vs %q)", tt.name, got, tt.want, normaliseSQL(tt.text), normaliseSQL(sent))
		}
	}
}

// TestOwnPlansLeftOut: auto_explain logs the scraper's statements like any
// other; they are recognised by application_name (jsonlog, csvlog, stderr
// with app=%a in log_line_prefix) or by the marker in the query text.
func TestOwnPlansLeftOut(t *testing.T) {
	plan := func(text string) string {
		return `{\"Query Text\": \"` + text + `\", \"Plan\": {\"Node Type\": \"Result\"}}`
	}
	json := `{"user":"u","dbname":"d","application_name":"` + ApplicationName + `","message":"duration: 1.0 ms  plan:\n` + plan("SELECT 1") + `"}
{"user":"u","dbname":"d","application_name":"app","message":"duration: 1.0 ms  plan:\n` + plan(ownMarker+"SELECT 2") + `"}
{"user":"u","dbname":"d","application_name":"app","message":"duration: 1.0 ms  plan:\n` + plan("SELECT 3") + `"}
`
	entries, _ := parseLog(formatJSON, []byte(json), true)
	if len(entries) != 1 || !contains(entries[0].plan, "SELECT 3") {
		t.Fatalf("jsonlog: %d entries kept, want only the user's SELECT 3: %+v", len(entries), entries)
	}
	stderr := "2026-01-01 00:00:00 UTC [1] user=u,db=d,app=" + ApplicationName + " LOG:  duration: 1.0 ms  plan:\n\t{\"Query Text\": \"SELECT 1\"}\n" +
		"2026-01-01 00:00:00 UTC [2] user=u,db=d,app=psql LOG:  duration: 1.0 ms  plan:\n\t{\"Query Text\": \"SELECT 3\"}\n"
	if entries, _ = parseLog(formatStderr, []byte(stderr), true); len(entries) != 1 || !contains(entries[0].plan, "SELECT 3") {
		t.Fatalf("stderr: %d entries kept, want only the user's: %+v", len(entries), entries)
	}
	csv := `2026-01-01 00:00:00.000 UTC,"u","d",1,"127.0.0.1:1",x,1,"SELECT",2026-01-01 00:00:00 UTC,3/1,0,LOG,00000,"duration: 1.0 ms  plan:
{""Query Text"": ""SELECT 1""}",,,,,,,,,"` + ApplicationName + `","client backend",,0
2026-01-01 00:00:00.000 UTC,"u","d",2,"127.0.0.1:1",x,1,"SELECT",2026-01-01 00:00:00 UTC,3/1,0,LOG,00000,"duration: 1.0 ms  plan:
{""Query Text"": ""SELECT 3""}",,,,,,,,,"psql","client backend",,0
`
	if entries, _ = parseLog(formatCSV, []byte(csv), true); len(entries) != 1 || !contains(entries[0].plan, "SELECT 3") {
		t.Fatalf("csvlog: %d entries kept, want only the user's: %+v", len(entries), entries)
	}
}

func contains(b []byte, s string) bool { return strings.Contains(string(b), s) }
