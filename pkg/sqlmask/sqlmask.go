// Package sqlmask is the one place that decides what of an SQL text or a
// query plan may leave: the scraper (before anything leaves the database
// host) and the gateway's verifier (for data from any sender) both call it,
// so the two can never disagree on which literal is masked.
//
// It wraps DataDog/go-sqllexer, which tokenises rather than parses: it never
// fails on SQL it does not understand, and an unterminated string is still
// replaced. Three entry points:
//   - Obfuscate: a whole statement for db.query.text (literals → ?, comments
//     removed, normalised) and its operation name;
//   - Mask: an SQL fragment (a plan's Filter, a log's STATEMENT text) with
//     literals → ? and every other byte kept, to a fixed point, so masking
//     twice changes nothing;
//   - MaskPlan / MaskPlanMap: the expression fields of a PostgreSQL or
//     MySQL/MariaDB JSON plan, under one key rule (IsExprKey).
package sqlmask

import (
	"strings"

	"github.com/DataDog/go-sqllexer"
)

// DBMS is the lexer's dialect; the zero value is the generic dialect.
type DBMS = sqllexer.DBMSType

// Dialect maps a db.system(.name) value to the lexer's dialect: MySQL
// quotes strings with " and identifiers with `, which changes what is a
// literal.
func Dialect(system string) DBMS {
	switch system {
	case "postgresql":
		return sqllexer.DBMSPostgres
	case "mysql", "mariadb":
		return sqllexer.DBMSMySQL
	case "mssql", "microsoft.sql_server":
		return sqllexer.DBMSSQLServer
	case "oracle", "oracle.db":
		return sqllexer.DBMSOracle
	}
	return ""
}

// lexObf is the one obfuscator configuration. It keeps no state between
// calls, so one value serves every goroutine.
var lexObf = sqllexer.NewObfuscator(
	sqllexer.WithReplaceDigits(true), // tmp_48213 and friends carry ids
	sqllexer.WithReplaceBoolean(true),
	sqllexer.WithDollarQuotedFunc(true), // keep function bodies readable, literals masked
)

var normalizer = sqllexer.NewNormalizer(
	sqllexer.WithCollectCommands(true),
	sqllexer.WithKeepSQLAlias(true),
	sqllexer.WithKeepTrailingSemicolon(false),
	sqllexer.WithKeepIdentifierQuotation(true),
)

// Obfuscate returns text with literals replaced by `?` and comments
// removed, and the statement's operation (SELECT, INSERT, ...; empty if
// unknown) for db.operation.name.
func Obfuscate(text string, d DBMS) (obfuscated, operation string) {
	dialect := sqllexer.WithDBMS(d)
	out, meta, err := sqllexer.ObfuscateAndNormalize(text, lexObf, normalizer, dialect)
	if err != nil {
		// The normaliser gave up; token-level masking still hides every
		// literal (comments then stay, which is the lesser loss).
		return Mask(text, d), ""
	}
	if meta != nil && len(meta.Commands) > 0 {
		operation = strings.ToUpper(meta.Commands[0])
	}
	return out, operation
}

// Obfuscator binds the functions above to one database system, for the
// scraper's collectors. It is safe for concurrent use.
type Obfuscator struct{ dbms DBMS }

// New returns an obfuscator for a database system: "postgresql", "mysql"
// or "mariadb" (anything else gets the generic dialect).
func New(system string) *Obfuscator { return &Obfuscator{dbms: Dialect(system)} }

// Obfuscate is Obfuscate in o's dialect.
func (o *Obfuscator) Obfuscate(text string) (obfuscated, operation string) {
	return Obfuscate(text, o.dbms)
}

// Mask is Mask in o's dialect.
func (o *Obfuscator) Mask(fragment string) string { return Mask(fragment, o.dbms) }

// MaskPlan is MaskPlan with o's Mask.
func (o *Obfuscator) MaskPlan(plan string) string { return MaskPlan(plan, o.Mask) }
