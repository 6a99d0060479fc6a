package sqlmask

import "strings"

// IsExprKey is the one key rule: true for every plan field that can hold an
// SQL expression, a statement or a parameter value, and so a literal.
// Node types, relation and index names, costs, rows, buffers and timings
// are other fields and stay as they are.
//
// PostgreSQL EXPLAIN (FORMAT JSON) and auto_explain (src/backend/commands/
// explain.c, contrib/auto_explain, contrib/postgres_fdw): "Index Cond",
// "Recheck Cond", "TID Cond", "Hash Cond", "Merge Cond" (suffix " Cond");
// "Filter", "Join Filter", "One-Time Filter", "Conflict Filter" (suffix
// "Filter"); "Sort Key", "Presorted Key", "Group Key", "Hash Key", "Cache
// Key" and the "Group Keys"/"Hash Keys" lists inside "Grouping Sets"
// (suffixes " Key", " Keys"); "Run Condition", "Order By", "Output",
// "Function Call", "Table Function Call", "Window" (frame offsets),
// "Sampling Parameters", "Repeatable Seed", "Remote SQL" (postgres_fdw
// VERBOSE), "Query Text" and "Query Parameters" (auto_explain, bound values
// with log_parameter_max_length).
//
// MySQL EXPLAIN FORMAT=JSON (sql/opt_explain_json.cc) and MariaDB EXPLAIN/
// ANALYZE FORMAT=JSON (sql/sql_explain.cc): "attached_condition",
// "index_condition", "pushed_condition", "having_condition",
// "outer_ref_condition" and any other "*_condition"; "filesort_key" and
// MariaDB's "sort_key"; MySQL's format version 2 "condition",
// "hash_condition", "lookup_condition" (suffix), "operation" ("Filter: (…)"),
// "ranges", "sort_fields" and "query".
func IsExprKey(k string) bool {
	if pgExact[k] || myExact[k] {
		return true
	}
	for _, suf := range exprSuffixes {
		if strings.HasSuffix(k, suf) {
			return true
		}
	}
	return false
}

var pgExact = map[string]bool{
	"Run Condition": true, "Order By": true, "Output": true, "Function Call": true, "Table Function Call": true,
	"Grouping Sets": true, "Window": true, "Sampling Parameters": true, "Repeatable Seed": true, "Remote SQL": true,
	"Query Text": true, "Query Parameters": true,
}

var myExact = map[string]bool{
	"condition": true, "filesort_key": true, "sort_key": true, "operation": true, "ranges": true,
	"sort_fields": true, "query": true,
}

var exprSuffixes = []string{" Cond", "Filter", " Key", " Keys", "_condition"}
