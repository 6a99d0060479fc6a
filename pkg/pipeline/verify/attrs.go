package verify

import (
	"slices"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/dbintel/dbintel/pkg/sqlmask"
)

// attrs verifies every value of m, recursively, and applies the attribute
// limits; limit caps the number of attributes (0: no cap). It reports
// whether the item holding m must be dropped.
func (v *Verifier) attrs(m pcommon.Map, limit int, d dbms) bool { return v.attrsAt(m, limit, d, 0) }

// maxNesting bounds the recursion over nested maps and arrays: one limit
// with the plan masker's, deep enough for any plan sent as a map body. An
// item nested deeper is dropped (fix reason too_deep), never walked.
const maxNesting = sqlmask.MaxDepth

func (v *Verifier) attrsAt(m pcommon.Map, limit int, d dbms, depth int) bool {
	if limit > 0 && m.Len() > limit {
		v.trim(m, limit)
	}
	drop, longKeys := false, false
	_, serverLog := m.Get("error_severity") // a PostgreSQL jsonlog/csvlog record
	m.Range(func(k string, val pcommon.Value) bool {
		longKeys = longKeys || len(k) > v.q.MaxNameLen
		drop = v.value(k, val, d, serverLog && logSQLKeys[k], depth)
		return !drop
	})
	if !drop && longKeys {
		v.fixKeys(m)
	}
	return drop
}

// logSQLKeys hold statements in a PostgreSQL jsonlog ("statement") or
// csvlog ("query") record, as log shippers name the fields.
var logSQLKeys = map[string]bool{"statement": true, "query": true, "internal_query": true}

// value verifies one value; sql says it is an SQL text whatever its key.
// depth counts the maps and arrays around it.
func (v *Verifier) value(k string, val pcommon.Value, d dbms, sql bool, depth int) bool {
	switch val.Type() {
	case pcommon.ValueTypeStr:
		s := val.Str()
		if _, ok := v.allow[k]; ok {
			if len(s) > v.q.MaxValueLen {
				v.m.fix(fixValueTooLong)
				val.SetStr(truncate(s, v.q.MaxValueLen))
			}
			return false
		}
		_, isSQL := v.sqlKeys[k]
		out, changed, drop := v.cleanString(s, k, isSQL || sql, v.q.MaxValueLen, d)
		if drop {
			return true
		}
		if changed {
			val.SetStr(out)
		}
	case pcommon.ValueTypeMap:
		if depth >= maxNesting {
			v.m.fix(fixTooDeep)
			return true
		}
		return v.attrsAt(val.Map(), 0, d, depth+1)
	case pcommon.ValueTypeSlice:
		if depth >= maxNesting {
			v.m.fix(fixTooDeep)
			return true
		}
		sl := val.Slice()
		if sl.Len() > v.q.MaxArrayLen {
			v.m.fix(fixArrayTooLong)
			i := 0
			sl.RemoveIf(func(pcommon.Value) bool { i++; return i > v.q.MaxArrayLen })
		}
		for i := 0; i < sl.Len(); i++ {
			if v.value(k, sl.At(i), d, sql, depth+1) {
				return true
			}
		}
	}
	return false
}

// trim keeps the first limit attributes in key order: a stable rule, so the
// same input always loses the same keys, whatever order the sender used.
func (v *Verifier) trim(m pcommon.Map, limit int) {
	v.m.fix(fixTooManyAttrs)
	keys := make([]string, 0, m.Len())
	m.Range(func(k string, _ pcommon.Value) bool { keys = append(keys, k); return true })
	slices.Sort(keys)
	last := keys[limit-1]
	m.RemoveIf(func(k string, _ pcommon.Value) bool { return k > last })
}

// fixKeys truncates attribute names over the limit. When the cut name is
// already taken, the attribute with the long name is removed.
func (v *Verifier) fixKeys(m pcommon.Map) {
	var long []string
	m.Range(func(k string, _ pcommon.Value) bool {
		if len(k) > v.q.MaxNameLen {
			long = append(long, k)
		}
		return true
	})
	for _, k := range long {
		v.m.fix(fixNameTooLong)
		short := truncate(k, v.q.MaxNameLen)
		if _, taken := m.Get(short); !taken {
			old, _ := m.Get(k)
			tmp := pcommon.NewValueEmpty()
			old.CopyTo(tmp)
			tmp.CopyTo(m.PutEmpty(short))
		}
		m.Remove(k)
	}
}
