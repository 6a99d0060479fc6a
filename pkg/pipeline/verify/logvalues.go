package verify

import (
	"strings"

	"github.com/DataDog/go-sqllexer"

	"github.com/dbintel/dbintel/pkg/sqlmask"
)

// keyEnds close the value list of "Key (cols)=(vals)" (ri_triggers.c,
// nbtinsert.c, execIndexing.c, tuplesort.c).
var keyEnds = []string{") already exists", ") is not present in table", ") is still referenced from table",
	") conflicts with existing key", ") is duplicated"}

// values masks the values PostgreSQL and MySQL/MariaDB write into messages,
// details and contexts.
func values(s string, tags []tag, pg dbms, eds []edit) []edit {
	each(s, ")=(", func(i int) {
		ls := strings.LastIndexByte(s[:i], '\n') + 1
		if !strings.Contains(s[ls:i], "Key (") && !strings.Contains(s[ls:i], "key (") {
			return
		}
		vs, end := i+3, endAt(s, tags, i)
		ve := -1
		for _, e := range keyEnds {
			if k := strings.Index(s[vs:end], e); k >= 0 && (ve < 0 || vs+k < ve) {
				ve = vs + k
			}
		}
		if ve < 0 {
			ve = lastByte(s, vs, end, ')')
		}
		eds = append(eds, edit{vs, ve, "?"})
	})
	each(s, "Failing row contains (", func(i int) {
		vs := i + len("Failing row contains (")
		eds = append(eds, edit{vs, lastByte(s, vs, endAt(s, tags, i), ')'), "?"})
	})
	each(s, "parameters: $", func(i int) {
		vs := i + len("parameters: ")
		end := max(endAt(s, tags, i), vs)
		eds = append(eds, edit{vs, end, sqlmask.Mask(s[vs:end], pg)})
	})
	each(s, "SQL statement \"", func(i int) {
		vs := i + len("SQL statement \"")
		ve := lastByte(s, vs, lineEnd(s, vs), '"')
		eds = append(eds, edit{vs, ve, sqlmask.Mask(s[vs:ve], pg)})
	})
	each(s, "COPY ", func(i int) { // COPY t, line 2, column email: "…" / COPY t, line 2: "…"
		le := lineEnd(s, i)
		if k := strings.Index(s[i:le], `: "`); k > 0 && strings.Contains(s[i:i+k], ", line ") {
			vs := i + k + 3
			eds = append(eds, edit{vs, lastByte(s, vs, le, '"'), "?"})
		}
	})
	each(s, "JSON data, line ", func(i int) {
		le := lineEnd(s, i)
		if k := strings.Index(s[i:le], ": "); k > 0 {
			eds = append(eds, edit{i + k + 2, le, "?"})
		}
	})
	// Input that failed to parse is quoted in the message itself:
	// invalid input syntax for type integer: "…", invalid input value for
	// enum mood: "…", date/time field value out of range: "…".
	for _, a := range [...]string{"invalid input ", "out of range: \""} {
		each(s, a, func(i int) {
			le := lineEnd(s, i)
			if k := strings.Index(s[i:le], ": \""); k >= 0 {
				vs := i + k + 3
				eds = append(eds, edit{vs, lastByte(s, vs, le, '"'), "?"})
			}
		})
	}
	eds = between(s, "Token \"", "\" is invalid", eds)
	eds = between(s, "value \"", "\" is out of range", eds)
	return mysqlValues(s, eds)
}

// between masks what stands between open and the first close after it on
// the same line.
func between(s, open, close string, eds []edit) []edit {
	each(s, open, func(i int) {
		vs := i + len(open)
		if k := strings.Index(s[vs:lineEnd(s, vs)], close); k >= 0 {
			eds = append(eds, edit{vs, vs + k, "?"})
		}
	})
	return eds
}

// mysqlValues: duplicate entries and rejected values (ER_DUP_ENTRY,
// ER_TRUNCATED_WRONG_VALUE…), replicated queries, and the statements and
// record bytes of InnoDB deadlock and lock reports.
func mysqlValues(s string, eds []edit) []edit {
	quoted := func(anchor, stop string) {
		each(s, anchor, func(i int) {
			vs, le := i+len(anchor), lineEnd(s, i)
			ve := strings.Index(s[vs:le], stop)
			if ve < 0 {
				ve = lastByte(s, vs, le, '\'') - vs
			}
			eds = append(eds, edit{vs, vs + ve, "?"})
		})
	}
	quoted("Duplicate entry '", "' for key")
	quoted(" value: '", "' for column") // Incorrect/Truncated incorrect … value
	each(s, "Query: '", func(i int) {
		vs, le := i+len("Query: '"), lineEnd(s, i)
		ve := lastByte(s, vs, le, '\'')
		for _, stop := range [...]string{"', Error_code", "', Gtid", "', Internal MariaDB error code"} {
			if k := strings.Index(s[vs:le], stop); k >= 0 && vs+k < ve {
				ve = vs + k
			}
		}
		eds = append(eds, edit{vs, ve, sqlmask.Mask(s[vs:ve], sqllexer.DBMSMySQL)})
	})
	each(s, "; hex ", func(i int) {
		vs := i + len("; hex ")
		eds = append(eds, edit{vs, vs + indexOr(s[vs:], ";", len(s)-vs), "?"})
	})
	each(s, "; asc ", func(i int) {
		vs := i + len("; asc ")
		eds = append(eds, edit{vs, vs + indexOr(s[vs:], ";;", len(s)-vs), "?"})
	})
	each(s, " thread id ", func(i int) { // MySQL/MariaDB thread id …: the statement follows, up to the next *** line
		ls := strings.LastIndexByte(s[:i], '\n') + 1
		if w := s[ls:i]; w != "MySQL" && w != "MariaDB" {
			return
		}
		vs := lineEnd(s, i) + 1
		if vs >= len(s) {
			return
		}
		ve := vs + indexOr(s[vs:], "\n***", len(s)-vs)
		eds = append(eds, edit{vs, ve, sqlmask.Mask(s[vs:ve], sqllexer.DBMSMySQL)})
	})
	return eds
}

// each calls f with the index of every occurrence of sub in s.
func each(s, sub string, f func(int)) {
	for off := 0; ; {
		k := strings.Index(s[off:], sub)
		if k < 0 {
			return
		}
		f(off + k)
		off += k + len(sub)
	}
}

// lastByte is the last c in s[from:to], or to when there is none (from
// when to is before from).
func lastByte(s string, from, to int, c byte) int {
	if to < from {
		return from
	}
	if k := strings.LastIndexByte(s[from:to], c); k >= 0 {
		return from + k
	}
	return to
}

func lineEnd(s string, i int) int { return i + indexOr(s[i:], "\n", len(s)-i) }

func indexOr(s, sub string, or int) int {
	if k := strings.Index(s, sub); k >= 0 {
		return k
	}
	return or
}
