package plans

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dbintel/dbintel/pkg/contract"
	"github.com/jackc/pgx/v5"

	"github.com/dbintel/dbintel/test/pgtest"
)

const pgSchema = `
CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL, region int NOT NULL);
CREATE TABLE orders (id int PRIMARY KEY, customer_id int NOT NULL REFERENCES customers, amount numeric NOT NULL, created date NOT NULL, note text NOT NULL);
CREATE INDEX orders_customer_idx ON orders (customer_id);
INSERT INTO customers SELECT i, 'customer ' || i, i % 10 FROM generate_series(1, 2000) i;
INSERT INTO orders SELECT i, 1 + i % 2000, i % 997, date '2024-01-01' + i % 365, md5(i::text) FROM generate_series(1, 60000) i;`

// explainCase is one query and the planner settings that force the plan
// shape named in want.
type explainCase struct {
	name     string
	settings string
	options  string
	query    string
	want     []string // node types the plan must contain
	spill    bool
	save     string // testdata file name, when captured
}

var pgCases = []explainCase{
	{name: "seq_scan", query: "SELECT * FROM orders WHERE note LIKE 'ab%'", want: []string{"Seq Scan"}, save: "pg_seqscan.json"},
	{name: "index_scan", query: "SELECT * FROM orders WHERE id = 42", want: []string{"Index Scan"}},
	{name: "index_only", query: "SELECT id FROM orders WHERE id < 50", want: []string{"Index Only Scan"}},
	{name: "bitmap", settings: "SET enable_indexscan = off; SET enable_seqscan = off",
		query: "SELECT * FROM orders WHERE customer_id IN (1, 2, 3)", want: []string{"Bitmap Heap Scan", "Bitmap Index Scan"}},
	{name: "hash_join", settings: "SET enable_mergejoin = off; SET enable_nestloop = off",
		query: "SELECT c.name, o.amount FROM orders o JOIN customers c ON c.id = o.customer_id WHERE c.region = 3", want: []string{"Hash Join", "Hash"}, save: "pg_hashjoin.json"},
	{name: "merge_join", settings: "SET enable_hashjoin = off; SET enable_nestloop = off",
		query: "SELECT c.name, o.amount FROM orders o JOIN customers c ON c.id = o.customer_id", want: []string{"Merge Join"}},
	{name: "nested_loop", settings: "SET enable_hashjoin = off; SET enable_mergejoin = off",
		query: "SELECT c.name, o.amount FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.id < 20", want: []string{"Nested Loop"}},
	{name: "sort_spill", settings: "SET work_mem = '64kB'", options: "ANALYZE, BUFFERS, ",
		query: "SELECT * FROM orders ORDER BY note", want: []string{"Sort"}, spill: true, save: "pg_analyze_buffers_spill.json"},
	{name: "aggregate", query: "SELECT customer_id, sum(amount) FROM orders GROUP BY customer_id", want: []string{"Aggregate"}},
	{name: "cte", query: "WITH big AS MATERIALIZED (SELECT customer_id FROM orders WHERE amount > 900) SELECT count(*) FROM big b JOIN big b2 USING (customer_id)", want: []string{"CTE Scan"}},
	{name: "window", query: "SELECT id, row_number() OVER (PARTITION BY customer_id ORDER BY created) FROM orders", want: []string{"WindowAgg"}},
	{name: "subquery", options: "ANALYZE, ",
		query: "SELECT c.id FROM customers c WHERE c.region < (SELECT count(*) FROM orders o WHERE o.customer_id = c.id)", want: []string{"Seq Scan", "Aggregate"}, save: "pg_analyze_subplan.json"},
	{name: "parallel", options: "ANALYZE, BUFFERS, ",
		settings: "SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0; SET max_parallel_workers_per_gather = 2",
		query:    "SELECT count(*) FROM orders WHERE amount > 10", want: []string{"Gather", "Seq Scan"}, save: "pg_parallel.json"},
}

func explainPG(t *testing.T, c *pgx.Conn, settings, options, query string) []byte {
	t.Helper()
	ctx := context.Background()
	if _, err := c.Exec(ctx, "RESET ALL"); err != nil {
		t.Fatal(err)
	}
	if settings != "" {
		if _, err := c.Exec(ctx, settings); err != nil {
			t.Fatalf("%s: %v", settings, err)
		}
	}
	var raw []byte
	if err := c.QueryRow(ctx, "EXPLAIN ("+options+"FORMAT JSON) "+query, pgx.QueryExecModeSimpleProtocol).Scan(&raw); err != nil {
		t.Fatalf("explain %s: %v", query, err)
	}
	return raw
}

func TestPostgreSQLPlans(t *testing.T) {
	srv := pgtest.Start(t, pgtest.WithSetting("log_destination", "'stderr,csvlog,jsonlog'"))
	srv.Exec(t, pgSchema)
	srv.Exec(t, "VACUUM ANALYZE")
	c := srv.Conn(t)
	for _, tc := range pgCases {
		t.Run(tc.name, func(t *testing.T) {
			raw := explainPG(t, c, tc.settings, tc.options, tc.query)
			ref := pgReference(t, raw)
			for _, w := range tc.want {
				if !slices.Contains(ref.types, w) {
					t.Fatalf("planner did not produce %s (settings did not force it): %v\n%s", w, ref.types, raw)
				}
			}
			if tc.spill && !ref.spill {
				t.Fatalf("sort did not spill:\n%s", raw)
			}
			a := annotate(t, string(raw))
			checkPG(t, a, ref)
			if tc.spill && a.AsRaw()[contract.AttrPlanTempBlocks].(int64) == 0 {
				t.Errorf("spilled sort with temp_blocks 0")
			}
			if tc.save != "" {
				saveTestdata(t, tc.save, raw)
			}
		})
	}
	t.Run("hash_stable_across_costs_changes_on_index_drop", func(t *testing.T) { testPGHashStability(t, srv, c) })
	t.Run("auto_explain_jsonlog", func(t *testing.T) { testAutoExplain(t, srv, c) })
}

func testPGHashStability(t *testing.T, srv *pgtest.Server, c *pgx.Conn) {
	srv.Exec(t, `CREATE TABLE items (id int, sku int, qty int);
		INSERT INTO items SELECT i, i, i % 7 FROM generate_series(1, 1000) i;
		CREATE INDEX items_sku_idx ON items (sku); ANALYZE items`)
	const q = "SELECT i.qty, c.name FROM items i JOIN customers c ON c.id = i.id WHERE i.sku BETWEEN 10 AND 20"
	small := explainPG(t, c, "", "", q)
	srv.Exec(t, "INSERT INTO items SELECT i, i, i % 7 FROM generate_series(1001, 200000) i; ANALYZE items")
	large := explainPG(t, c, "", "", q)
	srv.Exec(t, "DROP INDEX items_sku_idx")
	dropped := explainPG(t, c, "", "", q)

	if pgReference(t, small).totalCost == pgReference(t, large).totalCost {
		t.Fatalf("costs did not change with data volume; the test proves nothing:\n%s\n%s", small, large)
	}
	// One query id through the stage: same shape twice, then a seq scan.
	e := newTestExtractor(t, nil)
	b := planBatch("app",
		planRecord{body: string(small), queryID: "q1", event: true},
		planRecord{body: string(large), queryID: "q1", event: true},
		planRecord{body: string(dropped), queryID: "q1", event: true})
	b, err := e.Process(t.Context(), b)
	if err != nil {
		t.Fatal(err)
	}
	rl := b.Logs.ResourceLogs().At(0)
	recs := rl.ScopeLogs().At(0).LogRecords()
	h := func(i int) string { v, _ := recs.At(i).Attributes().Get(contract.AttrPlanHash); return v.Str() }
	if h(0) == "" || h(0) != h(1) {
		t.Fatalf("hash changed with costs only: %q vs %q\n%s\n%s", h(0), h(1), small, large)
	}
	if h(2) == h(1) {
		t.Fatalf("hash unchanged after dropping the index:\n%s", dropped)
	}
	if rl.ScopeLogs().Len() != 2 || rl.ScopeLogs().At(1).LogRecords().Len() != 1 {
		t.Fatalf("want exactly one plan_change event, got %d scopes", rl.ScopeLogs().Len())
	}
	ev := rl.ScopeLogs().At(1).LogRecords().At(0)
	a := ev.Attributes().AsRaw()
	if ev.EventName() != contract.EventPlanChange || a[contract.AttrPlanPreviousHash] != h(1) || a[contract.AttrPlanHash] != h(2) || a[contract.PGQueryID] != "q1" ||
		a[contract.AttrPlanPreviousCost] != pgReference(t, large).totalCost || a[contract.AttrPlanTotalCost] != pgReference(t, dropped).totalCost {
		t.Fatalf("plan_change event = %s %v", ev.EventName(), a)
	}
}

// testAutoExplain makes auto_explain log a JSON plan with ANALYZE and
// BUFFERS to the jsonlog file, and feeds that line as a log body.
func testAutoExplain(t *testing.T, srv *pgtest.Server, c *pgx.Conn) {
	ctx := context.Background()
	for _, s := range []string{"RESET ALL", "SET auto_explain.log_min_duration = 0", "SET auto_explain.log_format = json",
		"SET auto_explain.log_analyze = on", "SET auto_explain.log_buffers = on",
		"SELECT c.region, count(*) FROM orders o JOIN customers c ON c.id = o.customer_id WHERE c.region = 4 GROUP BY c.region",
		"RESET ALL"} {
		if _, err := c.Exec(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	// The logging collector writes asynchronously: wait for the line.
	var line []byte
	for deadline := time.Now().Add(20 * time.Second); line == nil && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		line = findLogLine(t, filepath.Join(srv.LogDir(), "postgresql.json"), "GROUP BY c.region")
	}
	if line == nil {
		t.Fatal("auto_explain wrote no plan to the jsonlog file")
	}
	var entry struct{ Message string }
	if err := json.Unmarshal(line, &entry); err != nil {
		t.Fatal(err)
	}
	plan := entry.Message[strings.Index(entry.Message, "{"):]
	ref := pgReference(t, []byte(plan))
	if !ref.analyzed {
		t.Fatalf("auto_explain plan without ANALYZE figures: %s", plan)
	}
	// The whole jsonlog line (as a file receiver sends it), the bare message
	// (as a log parser extracts it), the csvlog record, the stderr entry and
	// the JSON alone give the same result.
	whole := annotate(t, string(line))
	checkPG(t, whole, ref)
	csvRec := findCSVRecord(t, filepath.Join(srv.LogDir(), "postgresql.csv"), "GROUP BY c.region")
	stderrEntry := findStderrEntry(t, filepath.Join(srv.LogDir(), "postgresql.log"), "GROUP BY c.region")
	for name, body := range map[string]string{"message": entry.Message, "bare": plan, "csvlog": csvRec, "stderr": stderrEntry} {
		if got := annotate(t, body).AsRaw()[contract.AttrPlanHash]; got != whole.AsRaw()[contract.AttrPlanHash] {
			t.Errorf("%s: hash %v, jsonlog line hash %v\n%s", name, got, whole.AsRaw()[contract.AttrPlanHash], body)
		}
	}
	saveTestdata(t, "pg_auto_explain.jsonlog", line)
	saveTestdata(t, "pg_auto_explain.csvlog", []byte(csvRec))
	saveTestdata(t, "pg_auto_explain.stderr", []byte(stderrEntry))
}

// findCSVRecord returns the raw text of the last csvlog record holding an
// auto_explain plan that mentions marker.
func findCSVRecord(t *testing.T, path, marker string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	var found string
	for start := int64(0); ; start = r.InputOffset() {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if msg := rec[13]; strings.Contains(msg, "plan:") && strings.Contains(msg, marker) {
			found = string(data[start:r.InputOffset()])
		}
	}
	if found == "" {
		t.Fatal("no auto_explain record in the csvlog file")
	}
	return found
}

// findStderrEntry returns the last stderr log entry (first line plus its
// tab-indented continuation lines) holding a plan that mentions marker.
func findStderrEntry(t *testing.T, path, marker string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var found string
	var cur []string
	flush := func() {
		if e := strings.Join(cur, "\n"); strings.Contains(e, "plan:") && strings.Contains(e, marker) {
			found = e
		}
	}
	for _, l := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(l, "\t") {
			cur = append(cur, l)
			continue
		}
		flush()
		cur = []string{l}
	}
	flush()
	if found == "" {
		t.Fatal("no auto_explain entry in the stderr log file")
	}
	return found
}

// findLogLine returns the last auto_explain line of a log file that
// mentions marker, or nil.
func findLogLine(t *testing.T, path, marker string) []byte {
	t.Helper()
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	var line []byte
	for sc.Scan() {
		if bytes.Contains(sc.Bytes(), []byte("plan:")) && bytes.Contains(sc.Bytes(), []byte(marker)) {
			line = slices.Clone(sc.Bytes())
		}
	}
	return line
}
