package verify

import (
	"slices"
	"strings"

	"github.com/DataDog/go-sqllexer"

	"github.com/dbintel/dbintel/pkg/sqlmask"
)

// Server logs shipped by any log agent carry the data of the statements
// that failed: PostgreSQL writes the statement (STATEMENT:, QUERY:, "LOG:
// statement:"), the key and row values of a violated constraint (DETAIL:
// Key (email)=(…) already exists, Failing row contains (…)), bound
// parameters (parameters: $1 = '…') and COPY or JSON input lines; MySQL
// and MariaDB write duplicate entries, rejected values, replicated queries
// and, in deadlock reports, the statements and the rows' bytes. None of it
// is an email or a card the recognisers would see, so these texts are
// masked by their structure: statements keep their shape with literals as
// '?', values become '?'.

// edit replaces s[start:end] by repl.
type edit struct {
	start, end int
	repl       string
}

// tag is a PostgreSQL "WORD:  " line label (two spaces: elog.c).
type tag struct {
	word         string
	start, after int // the word's first byte; the text after the label
}

var pgTags = map[string]bool{"STATEMENT": true, "QUERY": true, "DETAIL": true, "CONTEXT": true, "HINT": true,
	"LOCATION": true, "LOG": true, "ERROR": true, "FATAL": true, "PANIC": true, "WARNING": true, "NOTICE": true,
	"INFO": true, "DEBUG": true, "DEBUG1": true, "DEBUG2": true, "DEBUG3": true, "DEBUG4": true, "DEBUG5": true}

// logShaped is the cheap pre-scan: every structure above contains ": "
// (or ":\n" before a plan), ")=(" or "entry '" (a driver's bare MySQL
// message), or sits under a key that log shippers
// give bare server-log text (PostgreSQL jsonlog/csvlog "detail",
// "context", "hint"; MySQL's JSON error log "msg").
func logShaped(s, key string) bool {
	switch key {
	case "detail", "context", "hint", "msg":
		return true
	}
	for i := strings.IndexByte(s, ':'); i >= 0 && i+1 < len(s); {
		if c := s[i+1]; c == ' ' || c == '\n' {
			return true
		}
		k := strings.IndexByte(s[i+1:], ':')
		if k < 0 {
			break
		}
		i += 1 + k
	}
	return strings.Contains(s, ")=(") || strings.Contains(s, "entry '")
}

// maskLogText masks the statements and values of server-log text. d is
// the dialect for statements whose system the text does not name.
func maskLogText(s string, d dbms) string {
	tags := findTags(s)
	var eds []edit
	pg := d
	if pg == "" {
		pg = sqllexer.DBMSPostgres
	}
	if len(tags) == 0 {
		eds = message(s, 0, len(s), pg, eds)
		eds = planLine(s, pg, eds)
	}
	for i, t := range tags {
		end := sectionEnd(s, tags, i)
		switch t.word {
		case "STATEMENT", "QUERY":
			eds = append(eds, edit{t.after, end, sqlmask.Mask(s[t.after:end], pg)})
		case "DETAIL", "CONTEXT", "HINT", "LOCATION": // values() reads these
		default: // a severity: the message itself
			eds = message(s, t.after, end, pg, eds)
		}
	}
	eds = values(s, tags, pg, eds)
	return apply(s, eds)
}

// findTags returns the PostgreSQL labels in s, in order.
func findTags(s string) []tag {
	var tags []tag
	for off := 0; ; {
		k := strings.Index(s[off:], ":  ")
		if k < 0 {
			return tags
		}
		c := off + k
		j := c
		for j > 0 && (isUpper(s[j-1]) || isDigit(s[j-1])) {
			j--
		}
		if pgTags[s[j:c]] && (j == 0 || s[j-1] == ' ' || s[j-1] == '\n' || s[j-1] == '\t') {
			tags = append(tags, tag{s[j:c], j, c + 3})
		}
		off = c + 3
	}
}

// sectionEnd is where the text of tags[i] ends: before the line of the
// next label, or at the end of s.
func sectionEnd(s string, tags []tag, i int) int {
	if i+1 == len(tags) {
		return len(s)
	}
	next := tags[i+1].start
	if nl := strings.LastIndexByte(s[tags[i].after:next], '\n'); nl >= 0 {
		return tags[i].after + nl
	}
	return next
}

// endAt is the end of the section holding position p.
func endAt(s string, tags []tag, p int) int {
	i := -1
	for j, t := range tags {
		if t.after <= p {
			i = j
		}
	}
	switch {
	case i >= 0:
		if e := sectionEnd(s, tags, i); e >= p {
			return e
		}
		return tags[i+1].start // p is in the prefix of the next label's line
	case len(tags) == 0 || p >= tags[0].start:
		return len(s)
	}
	if nl := strings.LastIndexByte(s[p:tags[0].start], '\n'); nl >= 0 {
		return p + nl
	}
	return tags[0].start
}

// message masks the statement of a PostgreSQL LOG line (log_statement,
// log_min_duration_statement) and the plan of an auto_explain line in
// s[p:end].
func message(s string, p, end int, d dbms, eds []edit) []edit {
	m := s[p:end]
	if strings.HasPrefix(m, "duration: ") {
		k := strings.Index(m, " ms  ")
		if k < 0 || k > 40 {
			return eds
		}
		p += k + 5
		m = s[p:end]
	}
	switch {
	case strings.HasPrefix(m, "statement: "):
		return append(eds, edit{p + 11, end, sqlmask.Mask(m[11:], d)})
	case strings.HasPrefix(m, "plan:"):
		return append(eds, edit{p + 5, end, maskPlanText(m[5:], d)})
	}
	for _, verb := range [...]string{"execute ", "parse ", "bind "} {
		if strings.HasPrefix(m, verb) {
			if k := strings.Index(m, ": "); k > 0 && k < 80 && !strings.ContainsAny(m[len(verb):k], " \n") {
				return append(eds, edit{p + k + 2, end, sqlmask.Mask(m[k+2:], d)})
			}
		}
	}
	return eds
}

// planLine masks one line of an auto_explain JSON plan that a shipper
// without multi-line grouping sent alone (`\t  "Filter": "(a = 'x')",`).
func planLine(s string, d dbms, eds []edit) []edit {
	t := strings.TrimLeft(s, " \t")
	if len(t) < 2 || t[0] != '"' || !isUpper(t[1]) {
		return eds
	}
	if k := strings.Index(t, `": `); k < 0 || !sqlmask.IsExprKey(t[1:k]) {
		return eds
	}
	at := len(s) - len(t)
	return append(eds, edit{at, len(s), sqlmask.MaskPlan("{"+t, maskerFor(d))[1:]})
}

// maskPlanText masks an auto_explain plan: JSON through the plan masker,
// text format line by line ("Filter: (…)", "Query Text: …").
func maskPlanText(s string, d dbms) string {
	if t := strings.TrimLeft(s, " \n\t"); strings.HasPrefix(t, "{") || strings.HasPrefix(t, "[") {
		return sqlmask.MaskPlan(s, maskerFor(d))
	}
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		t := strings.TrimLeft(l, " \t->")
		if k := strings.Index(t, ": "); k > 0 && sqlmask.IsExprKey(t[:k]) {
			at := len(l) - len(t) + k + 2
			lines[i] = l[:at] + sqlmask.Mask(l[at:], d)
		}
	}
	return strings.Join(lines, "\n")
}

func apply(s string, eds []edit) string {
	if len(eds) == 0 {
		return s
	}
	slices.SortStableFunc(eds, func(a, b edit) int { return a.start - b.start })
	var b strings.Builder
	b.Grow(len(s))
	last := 0
	for _, e := range eds {
		if e.start < last || e.end < e.start {
			continue // overlaps an earlier edit, which already masked it
		}
		b.WriteString(s[last:e.start])
		b.WriteString(e.repl)
		last = e.end
	}
	b.WriteString(s[last:])
	return b.String()
}
