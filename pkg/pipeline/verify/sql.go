package verify

import (
	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/dbintel/dbintel/pkg/contract"
	"github.com/dbintel/dbintel/pkg/sqlmask"
)

// dbms is the SQL dialect of the data being verified ("" when unknown).
type dbms = sqlmask.DBMS

// dialect maps db.system(.name) of the first map that names one to the
// lexer's dialect.
func dialect(maps ...pcommon.Map) dbms {
	for _, m := range maps {
		for _, k := range [...]string{contract.AttrDBSystem, "db.system"} { // db.system: older semantic conventions
			if v, ok := m.Get(k); ok {
				if d := sqlmask.Dialect(v.Str()); d != "" {
					return d
				}
			}
		}
	}
	return ""
}

// maskerFor is sqlmask.Mask bound to a dialect, for the plan walkers.
func maskerFor(d dbms) func(string) string {
	return func(s string) string { return sqlmask.Mask(s, d) }
}
