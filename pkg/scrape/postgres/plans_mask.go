package postgres

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/dbintel/dbintel/pkg/sqlmask"
)

// maskPlan returns the plan JSON, compacted, with the literals of every
// expression field masked by the rule the gateway applies too
// (sqlmask.IsExprKey: Filter, Index Cond, Hash Key, Query Text, Query
// Parameters, ...), the obfuscated query text and its operation. Node
// types, relations, indexes, costs and row counts are kept as they are. It
// fails on anything that is not a JSON object.
func maskPlan(raw []byte, obf *sqlmask.Obfuscator) (masked []byte, text, op string, err error) {
	var head struct {
		QueryText string `json:"Query Text"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		return nil, "", "", fmt.Errorf("plan is not JSON (set auto_explain.log_format = json): %w", err)
	}
	if head.QueryText != "" {
		text, op = obf.Obfuscate(head.QueryText)
	}
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(obf.MaskPlan(string(raw)))); err != nil {
		return nil, "", "", fmt.Errorf("plan json: %w", err)
	}
	return b.Bytes(), text, op, nil
}
