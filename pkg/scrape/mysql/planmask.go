package mysql

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/dbintel/dbintel/pkg/sqlmask"
)

// maskPlan returns an EXPLAIN FORMAT=JSON document, compacted, with the
// literals of its expression fields (attached_condition, index_condition,
// having_condition, any *_condition, sort keys; the rule the gateway
// applies too, sqlmask.IsExprKey) replaced by `?`. The masker rewrites
// strings in place rather than going through a map, because MariaDB's JSON
// repeats keys (several "table" members) and key order is part of a plan.
// Everything else (table and index names, access types, rows, costs) is
// kept.
func maskPlan(plan []byte, obf *sqlmask.Obfuscator) ([]byte, error) {
	if !json.Valid(plan) {
		return nil, errors.New("plan json: not one valid document")
	}
	var out bytes.Buffer
	if err := json.Compact(&out, []byte(obf.MaskPlan(string(plan)))); err != nil {
		return nil, fmt.Errorf("plan json: %w", err)
	}
	return out.Bytes(), nil
}
