package postgres

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/dbintel/dbintel/pkg/scrape/sqlobfuscate"
)

// exprFields hold SQL expressions, which carry the query's literals. Node
// types, relations, indexes, costs and row counts are kept as they are.
var exprFields = map[string]bool{
	"Filter": true, "Index Cond": true, "Recheck Cond": true, "Join Filter": true, "Hash Cond": true,
	"Merge Cond": true, "TID Cond": true, "One-Time Filter": true, "Order By": true, "Sort Key": true,
	"Presorted Key": true, "Group Key": true, "Hash Key": true, "Output": true, "Cache Key": true,
	"Function Call": true, "Table Function Call": true, "Run Condition": true, "Partition Key": true,
	"Repeatable Seed": true, "Sampling Parameters": true, "Conflict Filter": true, "Grouping Sets": true,
}

// dropFields are never sent: bound parameter values (auto_explain
// log_parameter_max_length) are raw user data.
var dropFields = map[string]bool{"Query Parameters": true}

// maskPlan returns the plan JSON with literals masked, the obfuscated query
// text and its operation. It fails on anything that is not a JSON object.
func maskPlan(raw []byte, obf *sqlobfuscate.Obfuscator) (masked []byte, text, op string, err error) {
	var plan map[string]any
	if err := json.Unmarshal(raw, &plan); err != nil {
		return nil, "", "", fmt.Errorf("plan is not JSON (set auto_explain.log_format = json): %w", err)
	}
	if q, ok := plan["Query Text"].(string); ok {
		text, op = obf.Obfuscate(q)
		plan["Query Text"] = text
	}
	maskValue(plan, obf)
	masked, err = json.Marshal(plan)
	return masked, text, op, err
}

func maskValue(v any, obf *sqlobfuscate.Obfuscator) {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			switch {
			case dropFields[k]:
				delete(x, k)
			case exprFields[k] || strings.HasSuffix(k, " Cond") || strings.HasSuffix(k, " Filter"):
				x[k] = maskExpr(val, obf)
			default:
				maskValue(val, obf)
			}
		}
	case []any:
		for _, e := range x {
			maskValue(e, obf)
		}
	}
}

// maskExpr masks a string, or each string of a list (Sort Key, Output).
func maskExpr(v any, obf *sqlobfuscate.Obfuscator) any {
	switch x := v.(type) {
	case string:
		return obf.Mask(x)
	case []any:
		for i, e := range x {
			x[i] = maskExpr(e, obf)
		}
		return x
	default:
		return v
	}
}
