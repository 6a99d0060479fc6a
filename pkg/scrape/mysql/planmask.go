package mysql

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/dbintel/dbintel/pkg/scrape/sqlobfuscate"
)

// maskedKey reports whether a plan field holds an SQL expression whose
// literals must be masked: attached_condition, index_condition,
// having_condition (MySQL and MariaDB), pushed_index_condition, and any
// other *_condition field; MySQL 8's "message" stays, it never holds data.
func maskedKey(k string) bool { return k == "condition" || strings.HasSuffix(k, "_condition") }

// maskPlan re-encodes an EXPLAIN FORMAT=JSON document token by token with
// the literals of expression fields replaced by `?`. Token by token rather
// than through a map, because MariaDB's JSON repeats keys (several
// "table" or "nested_loop" members) and key order is part of a plan.
// Everything else (table and index names, access types, rows, costs) is
// kept.
func maskPlan(plan []byte, obf *sqlobfuscate.Obfuscator) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(plan))
	dec.UseNumber()
	var out bytes.Buffer
	// Per open container: is it an object, and is the next string a key.
	type frame struct{ object, wantKey, first bool }
	var stack []frame
	lastKey := ""
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			if len(stack) > 0 || out.Len() == 0 {
				return nil, errors.New("plan json: truncated or empty")
			}
			break
		}
		if err != nil {
			return nil, fmt.Errorf("plan json: %w", err)
		}
		if len(stack) == 0 && out.Len() > 0 {
			return nil, errors.New("plan json: more than one document")
		}
		top := len(stack) - 1
		isKey := top >= 0 && stack[top].object && stack[top].wantKey
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			out.WriteByte(byte(d))
			stack = stack[:top]
			if top > 0 && stack[top-1].object {
				stack[top-1].wantKey = true
			}
			continue
		}
		if top >= 0 {
			if !stack[top].first && (isKey || !stack[top].object) {
				out.WriteByte(',')
			}
			stack[top].first = false
		}
		switch v := tok.(type) {
		case json.Delim:
			out.WriteByte(byte(v))
			stack = append(stack, frame{object: v == '{', wantKey: v == '{', first: true})
			continue
		case string:
			if isKey {
				lastKey = v
				writeJSON(&out, v)
				out.WriteByte(':')
				stack[top].wantKey = false
				continue
			}
			if top >= 0 && maskedKey(lastKey) {
				v, _ = obf.Obfuscate(v)
			}
			writeJSON(&out, v)
		default:
			writeJSON(&out, v)
		}
		if top >= 0 && stack[top].object {
			stack[top].wantKey = true
		}
	}
	return out.Bytes(), nil
}

func writeJSON(out *bytes.Buffer, v any) {
	b, _ := json.Marshal(v) // strings, numbers, bools and nil always encode
	out.Write(b)
}
