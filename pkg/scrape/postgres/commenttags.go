package postgres

import (
	"net/url"
	"strings"
)

// Bounds on comment tags taken from a query text (input a client
// controls).
const (
	maxCommentScan = 4096 // bytes of the text searched for the comment
	maxTagValue    = 128
	maxTags        = 16
)

// tagsOf is what a query's sqlcommenter comment says.
type tagsOf struct {
	raw         string // key='value' pairs kept, comma-separated ("" if none)
	serviceGUID string // nr_service_guid: the New Relic APM entity that sent the query
}

// commentTags reads the sqlcommenter tags (/*key='value',...*/) of a raw
// query text, as New Relic's receivers do to link a query to the APM
// service that sent it. Only well-formed pairs with short, plain values
// are kept: the comment is client input and must not smuggle literals out.
func commentTags(query string) tagsOf {
	if len(query) > maxCommentScan {
		query = query[:maxCommentScan]
	}
	start := strings.Index(query, "/*")
	if start < 0 {
		return tagsOf{}
	}
	end := strings.Index(query[start+2:], "*/")
	if end < 0 {
		return tagsOf{}
	}
	var out tagsOf
	var kept []string
	for _, pair := range strings.Split(query[start+2:start+2+end], ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(pair), "=")
		if !ok || len(kept) == maxTags || !plain(k, 64) {
			continue
		}
		v = strings.Trim(v, "'")
		if dec, err := url.QueryUnescape(v); err == nil {
			v = dec
		}
		if !plain(v, maxTagValue) {
			continue
		}
		kept = append(kept, k+"='"+v+"'")
		if k == "nr_service_guid" {
			out.serviceGUID = v
		}
	}
	out.raw = strings.Join(kept, ",")
	return out
}

// plain reports whether s is a short token of letters, digits and the
// punctuation of ids, routes and base64 (no spaces, quotes or operators).
func plain(s string, max int) bool {
	if s == "" || len(s) > max {
		return false
	}
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		case strings.ContainsRune("_-.:/+=", r):
		default:
			return false
		}
	}
	return true
}
