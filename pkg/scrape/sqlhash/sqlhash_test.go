package sqlhash

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestNormalize(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"select * from t where id = 42", "SELECT*FROMTWHEREID=?"},
		{"SELECT a FROM t WHERE s = 'it''s' AND b = -1.5e3", "SELECTAFROMTWHERES=?ANDB=?"},
		{`SELECT a FROM t WHERE s = 'a\'b'`, "SELECTAFROMTWHERES=?"},
		{"SELECT * FROM t WHERE id IN (1, 2, 3)", "SELECT*FROMTWHEREIDIN(?)"},
		{"SELECT * FROM t WHERE id IN ($1,$2)", "SELECT*FROMTWHEREIDIN(?)"},
		{"SELECT * FROM t WHERE id IN (?)", "SELECT*FROMTWHEREIDIN(?)"},              // one item: kept as is
		{"SELECT * FROM t WHERE id IN (SELECT 1)", "SELECT*FROMTWHEREIDIN(SELECT?)"}, // not a list
		{"SELECT * FROM t WHERE WITHIN (1, 2)", "SELECT*FROMTWHEREWITHIN(?,?)"},      // IN must be a word
		{"/* app=x */ SELECT col1, t2.c FROM t2 -- tail\nWHERE x = :name # note", "?SELECTCOL1,T2.CFROMT2?WHEREX=??"},
		{"SELECT * FROM t WHERE a = @p1 AND b = %(name)s", "SELECT*FROMTWHEREA=?ANDB=?"},
		{"SELECT `t1`.x FROM `t1` WHERE y > .5", "SELECT`T1`.XFROM`T1`WHEREY>?"},
		{"", ""},
	} {
		if got := Normalize(tc.in); got != tc.want {
			t.Errorf("Normalize(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// The hash nrmysqlreceiver's expectedQuerySamples.yaml gives for its
// statement text.
func TestHashMatchesReceiver(t *testing.T) {
	const text = "SELECT soh.SalesOrderID, soh.OrderDate, c.CustomerID, p.Name AS ProductName, sod.OrderQty, sod.LineTotal FROM salesorderheader soh JOIN salesorderdetail sod ON soh.SalesOrderID = sod.SalesOrderID JOIN product p ON sod.ProductID = p.ProductID JOIN customer c ON soh.CustomerID = c.CustomerID ORDER BY soh.OrderDate DESC"
	if got, want := Hash(text), "848a6061c056748f461053e1ed9e5642"; got != want {
		t.Fatalf("Hash = %s, want %s", got, want)
	}
	if Hash("SELECT 1") != Hash("select   2") {
		t.Error("literals and case changed the hash")
	}
	if Hash("") != "" {
		t.Error("empty text has a hash")
	}
}

func TestHostile(t *testing.T) {
	for _, in := range []string{"'", "IN (", "IN (1,", "/*", "%(", "$", "1e", "-", "\xff\xfe'", strings.Repeat("IN (1,2,", 1000)} {
		h := Hash(in)
		if len(h) != 32 || !utf8.ValidString(h) {
			t.Errorf("Hash(%.20q) = %q", in, h)
		}
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"SELECT * FROM t WHERE id IN (1, 2)", "x = 'a''b' -- c", "/* c */ $1 :a @b %(c)s"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := Normalize(s)
		if strings.ContainsAny(n, " \t\r\n") {
			t.Fatalf("whitespace left in %q", n)
		}
	})
}
