package plans

import (
	"bytes"
	"encoding/csv"
)

// The ways PostgreSQL's auto_explain wraps a JSON plan in a log entry:
//
//	stderr:  2026-11-25 18:46:37 UTC [20092] LOG:  duration: 41.971 ms  plan:
//	         	{ "Query Text": ..., "Plan": {...} }     (continuation lines start with a tab)
//	jsonlog: {"timestamp":..., "message":"duration: 41.971 ms  plan:\n{...}", ...}
//	csvlog:  2026-11-25 ...,"postgres",...,"duration: 41.971 ms  plan:
//	         {
//	           ""Query Text"": ...}",...                 (quotes doubled, as CSV does)
//
// jsonlog lines are recognised by the JSON parser itself (extract).

var wrapperMarker = []byte("plan:")

// unwrap strips auto_explain's text prefix: "<log line prefix> duration:
// 0.05 ms  plan:\n{". Only a body that does not already start with JSON is
// searched, so a plan whose text mentions "plan:" is left alone.
func unwrap(data []byte) []byte {
	t := bytes.TrimLeft(data, " \t\r\n")
	if len(t) > 0 && (t[0] == '{' || t[0] == '[') {
		return t
	}
	i := bytes.Index(data, wrapperMarker)
	if i < 0 {
		return data
	}
	return bytes.TrimLeft(data[i+len(wrapperMarker):], " \t\r\n")
}

// csvQuotedPlan is how a JSON plan starts inside a CSV field.
var csvQuotedPlan = []byte(`""`)

// csvMessage returns the message field of a csvlog line holding an
// auto_explain plan. Only a body that is not JSON and whose plan part has
// doubled quotes is decoded as CSV, so other bodies cost one search.
func csvMessage(data []byte) ([]byte, bool) {
	t := bytes.TrimLeft(data, " \t\r\n")
	if len(t) == 0 || t[0] == '{' || t[0] == '[' {
		return nil, false
	}
	i := bytes.Index(data, wrapperMarker)
	if i < 0 || !bytes.Contains(data[i:], csvQuotedPlan) {
		return nil, false
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	fields, err := r.Read()
	if err != nil {
		return nil, false
	}
	for _, f := range fields {
		if j := bytes.Index([]byte(f), wrapperMarker); j >= 0 {
			return unwrap([]byte(f[j:])), true
		}
	}
	return nil, false
}
