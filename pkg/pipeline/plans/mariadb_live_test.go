package plans

import (
	"database/sql"
	"encoding/json"
	"slices"
	"testing"

	"github.com/dbintel/dbintel/pkg/contract"
	"github.com/dbintel/dbintel/test/mariadbtest"
)

const mariaSchema = `
CREATE TABLE customers (id INT PRIMARY KEY, name VARCHAR(64) NOT NULL, region INT NOT NULL, KEY region_idx (region));
CREATE TABLE orders (id INT PRIMARY KEY, customer_id INT NOT NULL, amount DECIMAL(10,2) NOT NULL, note VARCHAR(64) NOT NULL, KEY customer_idx (customer_id));
INSERT INTO customers SELECT seq, CONCAT('customer ', seq), seq % 10 FROM seq_1_to_2000;
INSERT INTO orders SELECT seq, 1 + seq % 2000, seq % 997, MD5(seq) FROM seq_1_to_20000;
ANALYZE TABLE customers, orders;`

type mariaCase struct {
	name     string
	explain  string // EXPLAIN FORMAT=JSON or ANALYZE FORMAT=JSON
	query    string
	want     []string // node types the plan must contain
	seqScans []string
	save     string
}

var mariaCases = []mariaCase{
	{name: "full_scan", query: "SELECT * FROM orders WHERE note LIKE 'ab%'", want: []string{"query_block", "table:ALL"}, seqScans: []string{"orders"}},
	{name: "index_lookup", query: "SELECT * FROM orders WHERE customer_id = 7", want: []string{"table:ref"}},
	{name: "primary_key", query: "SELECT * FROM orders WHERE id = 7", want: []string{"table:const"}},
	{name: "join", query: "SELECT c.name, o.amount FROM customers c JOIN orders o ON o.customer_id = c.id WHERE c.region = 3",
		want: []string{"nested_loop", "table:ref"}, save: "mariadb_join.json"},
	{name: "block_nested_loop", query: "SELECT c.name, o.amount FROM customers c JOIN orders o ON o.note = c.name",
		want: []string{"block-nl-join"}, seqScans: []string{"c", "o"}}, // MariaDB names tables by alias
	{name: "filesort", query: "SELECT * FROM orders ORDER BY note LIMIT 10", want: []string{"filesort"}, seqScans: []string{"orders"}},
	{name: "group_temporary", query: "SELECT note, count(*) FROM orders GROUP BY note", want: []string{"filesort"}, seqScans: []string{"orders"}},
	{name: "subquery", query: "SELECT * FROM customers c WHERE c.region > (SELECT count(*) FROM orders o WHERE o.customer_id = c.id)",
		want: []string{"subqueries", "table:ref"}, seqScans: []string{"c"}},
	{name: "derived_union", query: "SELECT * FROM (SELECT id FROM customers WHERE region = 1 UNION SELECT customer_id FROM orders WHERE amount = 3) u",
		want: []string{"union_result", "materialized"}},
	{name: "analyze", explain: "ANALYZE FORMAT=JSON ", query: "SELECT c.name, o.amount FROM customers c JOIN orders o ON o.customer_id = c.id WHERE c.region = 3",
		want: []string{"nested_loop"}, save: "mariadb_analyze.json"},
}

func TestMariaDBPlans(t *testing.T) {
	srv := mariadbtest.Start(t)
	db := srv.DB(t, "test")
	if _, err := db.Exec(mariaSchema); err != nil {
		t.Fatal(err)
	}
	for _, tc := range mariaCases {
		t.Run(tc.name, func(t *testing.T) {
			raw := explainMaria(t, db, tc.explain, tc.query)
			ref := mariaReference(t, raw)
			a := annotate(t, raw)
			if v, ok := a.Get(contract.AttrPlanError); ok {
				t.Fatalf("error %s on\n%s", v.Str(), raw)
			}
			types := strSlice(t, a, contract.AttrPlanNodeTypes)
			for _, w := range append(tc.want, ref.tableTypes...) {
				if !slices.Contains(types, w) {
					t.Errorf("node_types %v lack %s\n%s", types, w, raw)
				}
			}
			var scans []string
			if v, ok := a.Get(contract.AttrPlanSeqScanRels); ok {
				for _, s := range v.Slice().All() {
					scans = append(scans, s.Str())
				}
			}
			if !slices.Equal(scans, ref.seqScans) {
				t.Errorf("seq_scan_relations = %v, plan has %v", scans, ref.seqScans)
			}
			if tc.seqScans != nil && !slices.Equal(scans, tc.seqScans) {
				t.Errorf("seq_scan_relations = %v, want %v", scans, tc.seqScans)
			}
			if n := a.AsRaw()[contract.AttrPlanNodeCount].(int64); n < int64(ref.tables)+1 {
				t.Errorf("node_count %d < %d tables + query block", n, ref.tables)
			}
			if a.AsRaw()[contract.AttrPlanSystem] != systemMySQL {
				t.Errorf("system = %v", a.AsRaw()[contract.AttrPlanSystem])
			}
			if _, ok := a.Get(contract.AttrPlanTotalCost); ok {
				t.Errorf("MariaDB 10 plans carry no cost, yet total_cost = %v", a.AsRaw()[contract.AttrPlanTotalCost])
			}
			if tc.explain != "" {
				if _, ok := a.Get(contract.AttrPlanEstimateError); !ok {
					t.Errorf("ANALYZE plan without max_row_estimate_error: %v", a.AsRaw())
				}
			}
			if tc.save != "" {
				saveTestdata(t, tc.save, []byte(raw))
			}
		})
	}
	t.Run("hash_stable_across_estimates_changes_on_index_drop", func(t *testing.T) { testMariaHashStability(t, db) })
}

// testMariaHashStability: the row estimates change with the data, the hash
// does not; dropping the index changes it.
func testMariaHashStability(t *testing.T, db *sql.DB) {
	if _, err := db.Exec(`CREATE TABLE items (id INT PRIMARY KEY, sku INT NOT NULL, qty INT NOT NULL, KEY sku_idx (sku));
		INSERT INTO items SELECT seq, seq, seq % 7 FROM seq_1_to_1000; ANALYZE TABLE items`); err != nil {
		t.Fatal(err)
	}
	// Each sku goes from 1 row to about 60: the ref estimate changes, the
	// access path stays.
	const q = "SELECT i.qty, c.name FROM items i JOIN customers c ON c.id = i.id WHERE i.sku = 5"
	small := explainMaria(t, db, "", q)
	if _, err := db.Exec("INSERT INTO items SELECT seq, seq % 1000, seq % 7 FROM seq_1001_to_60000; ANALYZE TABLE items"); err != nil {
		t.Fatal(err)
	}
	large := explainMaria(t, db, "", q)
	if _, err := db.Exec("DROP INDEX sku_idx ON items"); err != nil {
		t.Fatal(err)
	}
	dropped := explainMaria(t, db, "", q)
	rows := func(p string) any { return annotate(t, p).AsRaw()[contract.AttrPlanRows] }
	if rows(small) == rows(large) {
		t.Fatalf("row estimates did not change with the data; the test proves nothing:\n%s\n%s", small, large)
	}
	hash := func(p string) any { return annotate(t, p).AsRaw()[contract.AttrPlanHash] }
	if hash(small) != hash(large) {
		t.Errorf("hash changed with estimates only:\n%s\n%s", small, large)
	}
	if hash(large) == hash(dropped) {
		t.Errorf("hash unchanged after dropping the index:\n%s", dropped)
	}
}

func explainMaria(t *testing.T, db *sql.DB, explain, query string) string {
	t.Helper()
	if explain == "" {
		explain = "EXPLAIN FORMAT=JSON "
	}
	var raw string
	if err := db.QueryRow(explain + query).Scan(&raw); err != nil {
		t.Fatalf("%s%s: %v", explain, query, err)
	}
	return raw
}

// mariaRef is what a MariaDB plan says about its tables, read with
// encoding/json into maps (duplicate keys are rare in these plans; the
// extractor itself does not rely on that).
type mariaRef struct {
	tables     int
	tableTypes []string
	seqScans   []string
}

func mariaReference(t *testing.T, raw string) mariaRef {
	t.Helper()
	var doc any
	if err := json.Unmarshal([]byte(raw), &doc); err != nil {
		t.Fatal(err)
	}
	var r mariaRef
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, c := range v {
				if tbl, ok := c.(map[string]any); ok && k == "table" {
					r.tables++
					access, _ := tbl["access_type"].(string)
					if !slices.Contains(r.tableTypes, "table:"+access) {
						r.tableTypes = append(r.tableTypes, "table:"+access)
					}
					if name, _ := tbl["table_name"].(string); access == "ALL" && !slices.Contains(r.seqScans, name) {
						r.seqScans = append(r.seqScans, name)
					}
				}
				walk(c)
			}
		case []any:
			for _, c := range v {
				walk(c)
			}
		}
	}
	walk(doc)
	slices.Sort(r.seqScans)
	return r
}
