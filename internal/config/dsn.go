package config

import (
	"regexp"
	"strings"
)

// echoedDSN is the "cannot parse `<dsn>`: " prefix pgx puts before its
// reason; the DSN in it has the password masked only when pgx could find it.
var echoedDSN = regexp.MustCompile("(?s)^cannot parse `.*`: ")

// DSNReason turns a driver's DSN parse error (pgx or go-sql-driver/mysql)
// into which part is wrong, without the DSN or its password: the error names
// the part (port, sslmode, a keyword, a missing slash) and for libpq a hint
// covers the usual slip of a URL without "://".
func DSNReason(err error, dsn string) string {
	libpq := echoedDSN.MatchString(err.Error())
	reason := echoedDSN.ReplaceAllString(err.Error(), "")
	reason = scrub(reason, append([]string{dsn}, dsnPasswords(dsn)...))
	scheme, _, hasScheme := strings.Cut(dsn, "://")
	switch {
	case !libpq: // the hints are libpq's (pgx); go-sql-driver names its part itself
	case !hasScheme && strings.Contains(dsn, "//"):
		reason += `; a URL needs "://" after the scheme (postgres://user@host:5432/db)`
	case hasScheme && scheme != "postgres" && scheme != "postgresql":
		reason += `; the URL scheme must be postgres:// or postgresql://`
	}
	return reason
}

var kvPassword = regexp.MustCompile(`password\s*=\s*('(?:[^'\\]|\\.)*'?|\S+)`)

// dsnPasswords finds the password however malformed the DSN: the URL
// userinfo after the first ':' up to the last '@', or password=... values.
func dsnPasswords(dsn string) []string {
	var out []string
	rest := dsn
	if i := strings.Index(rest, "//"); i >= 0 {
		rest = rest[i+2:]
	}
	if at := strings.LastIndex(rest, "@"); at >= 0 {
		if _, pw, ok := strings.Cut(rest[:at], ":"); ok && pw != "" {
			out = append(out, pw)
		}
	}
	for _, m := range kvPassword.FindAllStringSubmatch(dsn, -1) {
		out = append(out, strings.Trim(m[1], "'"))
	}
	return out
}
