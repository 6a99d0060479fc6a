package config

import (
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"
)

func TestDSNReasonNamesThePartNotThePassword(t *testing.T) {
	const pw = "Pw9zQx7Lm"
	for dsn, want := range map[string]string{
		"postgres://u:" + pw + "@h:abc/db":                 "invalid port",
		"postgres://u:" + pw + "@h/db?sslmode=bogus":       "sslmode is invalid",
		"host=h port=x password=" + pw:                     "invalid port",
		"postgres//u:" + pw + "@h/db":                      `needs "://"`,
		"mysql://u:" + pw + "@h/db":                        "postgres:// or postgresql://",
		"host=h password='" + pw:                           "unterminated quoted string",
		"postgres://u:" + pw + "%zz@h/db":                  "percent-encoded token in password",
		"postgres://u:" + pw + "@h/db?connect_timeout=abc": "invalid connect_timeout",
	} {
		_, err := pgx.ParseConfig(dsn)
		if err == nil {
			t.Fatalf("%q parsed", dsn)
		}
		got := DSNReason(err, dsn)
		if !strings.Contains(got, want) {
			t.Errorf("DSNReason for %q = %q, want it to say %q", strings.ReplaceAll(dsn, pw, "***"), got, want)
		}
		if strings.Contains(got, pw[:5]) || strings.Contains(got, "u:") {
			t.Errorf("DSNReason shows the password or the DSN: %q", got)
		}
	}
}

func TestDSNReasonForMySQL(t *testing.T) {
	const pw = "Pw9zQx7Lm"
	for dsn, want := range map[string]string{
		"mon:" + pw + "@tcp(db:3306)":              "missing the slash",
		"mon:" + pw + "@db:3306/x":                 "network 'db:3306'",
		"mon:" + pw + "@tcp(db:3306)/?timeout=abc": `invalid duration "abc"`,
	} {
		_, err := mysql.ParseDSN(dsn)
		if err == nil {
			t.Fatalf("%q parsed", dsn)
		}
		got := DSNReason(err, dsn)
		if !strings.Contains(got, want) || strings.Contains(got, pw[:5]) || strings.Contains(got, "postgres") {
			t.Errorf("DSNReason = %q, want it to say %q and nothing of the password or libpq", got, want)
		}
	}
}
