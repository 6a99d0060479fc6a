package postgres

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"strconv"
	"strings"
)

// Server log formats.
const (
	formatStderr  = "stderr"
	formatCSV     = "csvlog"
	formatJSON    = "jsonlog"
	durationTag   = "duration: "
	planTag       = " plan:"
	csvMessageCol = 13 // log_time, user_name, database_name, ... message (PostgreSQL 13-17)
	csvUserCol    = 1
	csvDBCol      = 2
	csvQueryIDCol = 25 // 14+
	csvAppCol     = 22
)

// planEntry is one auto_explain message found in the log.
type planEntry struct {
	db, user, queryID string
	app               string // application_name, when the log has it
	durationMS        float64
	plan              []byte // the JSON after "plan:"
}

// own reports whether the plan is of one of the scraper's statements:
// logged by a session with its application_name (jsonlog and csvlog carry
// it, stderr when log_line_prefix has app=%a), or with its marker comment
// in the "Query Text" (auto_explain logs the text as sent, comment and all,
// on every version).
func (e planEntry) own() bool {
	return e.app == ApplicationName || bytes.Contains(e.plan, []byte(strings.TrimSpace(ownMarker)))
}

// splitAutoExplain parses "duration: 12.3 ms  plan:\n{...}".
func splitAutoExplain(msg string) (durationMS float64, plan []byte, ok bool) {
	i := strings.Index(msg, durationTag)
	if i < 0 {
		return 0, nil, false
	}
	rest := msg[i+len(durationTag):]
	j := strings.Index(rest, " ms")
	k := strings.Index(rest, planTag)
	if j < 0 || k < 0 {
		return 0, nil, false
	}
	d, err := strconv.ParseFloat(strings.TrimSpace(rest[:j]), 64)
	if err != nil {
		return 0, nil, false
	}
	return d, []byte(strings.TrimSpace(rest[k+len(planTag):])), true
}

// parseLog extracts complete entries from data and returns how many bytes
// it consumed; an incomplete trailing record is left for the next read
// unless final (nothing more arrived, or the file rotated).
// The scraper's own plans are left out: with auto_explain.log_min_duration
// = 0 they were 64 of 157 plans on an idle server.
func parseLog(format string, data []byte, final bool) (entries []planEntry, used int) {
	switch format {
	case formatJSON:
		entries, used = parseJSONLog(data, final)
	case formatCSV:
		entries, used = parseCSVLog(data, final)
	default:
		entries, used = parseStderrLog(data, final)
	}
	kept := entries[:0]
	for _, e := range entries {
		if !e.own() {
			kept = append(kept, e)
		}
	}
	return kept, used
}

func parseJSONLog(data []byte, final bool) ([]planEntry, int) {
	var out []planEntry
	used := 0
	for {
		nl := bytes.IndexByte(data[used:], '\n')
		if nl < 0 {
			if final && used < len(data) {
				out = appendJSONLine(out, data[used:])
				used = len(data)
			}
			return out, used
		}
		out = appendJSONLine(out, data[used:used+nl])
		used += nl + 1
	}
}

func appendJSONLine(out []planEntry, line []byte) []planEntry {
	if !bytes.Contains(line, []byte(durationTag)) {
		return out
	}
	var rec struct {
		User, Dbname, Message string
		App                   string      `json:"application_name"`
		QueryID               json.Number `json:"query_id"`
	}
	if json.Unmarshal(line, &rec) != nil {
		return out
	}
	d, plan, ok := splitAutoExplain(rec.Message)
	if !ok {
		return out
	}
	qid := rec.QueryID.String()
	if qid == "0" {
		qid = ""
	}
	return append(out, planEntry{db: rec.Dbname, user: rec.User, app: rec.App, queryID: qid, durationMS: d, plan: plan})
}

// csvRecordEnd finds where the last complete CSV record ends: a newline
// outside quotes (messages with plans span many lines inside quotes).
func csvRecordEnd(data []byte) int {
	in, end := false, 0
	for i, c := range data {
		switch {
		case c == '"':
			in = !in
		case c == '\n' && !in:
			end = i + 1
		}
	}
	return end
}

func parseCSVLog(data []byte, final bool) ([]planEntry, int) {
	end := csvRecordEnd(data)
	if final {
		end = len(data)
	}
	r := csv.NewReader(bytes.NewReader(data[:end]))
	r.FieldsPerRecord = -1
	var out []planEntry
	for {
		rec, err := r.Read()
		if err != nil {
			break
		}
		if len(rec) <= csvMessageCol {
			continue
		}
		d, plan, ok := splitAutoExplain(rec[csvMessageCol])
		if !ok {
			continue
		}
		e := planEntry{db: rec[csvDBCol], user: rec[csvUserCol], durationMS: d, plan: plan}
		if len(rec) > csvAppCol {
			e.app = rec[csvAppCol]
		}
		if len(rec) > csvQueryIDCol && rec[csvQueryIDCol] != "0" {
			e.queryID = rec[csvQueryIDCol]
		}
		out = append(out, e)
	}
	return out, end
}

// parseStderrLog handles the plain format: a line with "duration: ... plan:"
// followed by tab-indented continuation lines. The database name is only
// known when log_line_prefix has "db=%d".
func parseStderrLog(data []byte, final bool) ([]planEntry, int) {
	var out []planEntry
	lines := bytes.SplitAfter(data, []byte("\n"))
	used := 0
	for i := 0; i < len(lines); {
		line := lines[i]
		if !bytes.HasSuffix(line, []byte("\n")) && !final {
			break // partial line
		}
		if !bytes.Contains(line, []byte(durationTag)) || !bytes.Contains(line, []byte(planTag)) {
			used += len(line)
			i++
			continue
		}
		j := i + 1
		for j < len(lines) && len(lines[j]) > 0 && lines[j][0] == '\t' && bytes.HasSuffix(lines[j], []byte("\n")) {
			j++
		}
		if j == len(lines) || (j == len(lines)-1 && len(lines[j]) == 0) {
			if !final { // the plan may continue in the next read
				break
			}
		}
		var msg strings.Builder
		msg.Write(line)
		for _, l := range lines[i+1 : j] {
			msg.Write(l[1:])
			used += len(l)
		}
		used += len(line)
		if d, plan, ok := splitAutoExplain(msg.String()); ok {
			out = append(out, planEntry{db: prefixValue(string(line), "db="), user: prefixValue(string(line), "user="),
				app: prefixValue(string(line), "app="), durationMS: d, plan: plan})
		}
		i = j
	}
	return out, used
}

// prefixValue reads "key=value" from a log line prefix.
func prefixValue(line, key string) string {
	i := strings.Index(line, key)
	if i < 0 {
		return ""
	}
	v := line[i+len(key):]
	if j := strings.IndexAny(v, " ,;]"); j >= 0 {
		v = v[:j]
	}
	return v
}
