// Package sqlobfuscate replaces the literals of SQL texts with `?` and strips
// comments before a query text leaves the database host, so raw values never
// travel. It wraps DataDog/go-sqllexer, which tokenises rather than parses:
// it never fails on SQL it does not understand, and an unterminated string
// is still replaced.
package sqlobfuscate

import (
	"strings"

	"github.com/DataDog/go-sqllexer"
)

// Obfuscator is safe for concurrent use.
type Obfuscator struct {
	dbms       sqllexer.DBMSType
	obfuscator *sqllexer.Obfuscator
	normalizer *sqllexer.Normalizer
}

// New returns an obfuscator for a database system: "postgresql", "mysql"
// or "mariadb" (anything else gets the generic dialect).
func New(system string) *Obfuscator {
	dbms := sqllexer.DBMSType("")
	switch system {
	case "postgresql":
		dbms = sqllexer.DBMSPostgres
	case "mysql", "mariadb":
		dbms = sqllexer.DBMSMySQL
	}
	return &Obfuscator{
		dbms: dbms,
		obfuscator: sqllexer.NewObfuscator(
			sqllexer.WithReplaceDigits(true), // tmp_48213 and friends carry ids
			sqllexer.WithReplaceBoolean(true),
			sqllexer.WithDollarQuotedFunc(true), // keep function bodies readable, literals masked
		),
		normalizer: sqllexer.NewNormalizer(
			sqllexer.WithCollectCommands(true),
			sqllexer.WithKeepSQLAlias(true),
			sqllexer.WithKeepTrailingSemicolon(false),
			sqllexer.WithKeepIdentifierQuotation(true),
		),
	}
}

var postgres = New("postgresql")

// Obfuscate masks a PostgreSQL text.
func Obfuscate(text string) string {
	out, _ := postgres.Obfuscate(text)
	return out
}

// Obfuscate returns text with literals replaced by `?` and comments
// removed, and the statement's operation (SELECT, INSERT, ...; empty if
// unknown) for db.operation.name.
func (o *Obfuscator) Obfuscate(text string) (obfuscated, operation string) {
	dialect := sqllexer.WithDBMS(o.dbms)
	out, meta, err := sqllexer.ObfuscateAndNormalize(text, o.obfuscator, o.normalizer, dialect)
	if err != nil {
		// The normaliser gave up; token-level masking still hides every
		// literal (comments then stay, which is the lesser loss).
		return o.obfuscator.Obfuscate(text, dialect), ""
	}
	if meta != nil && len(meta.Commands) > 0 {
		operation = strings.ToUpper(meta.Commands[0])
	}
	return out, operation
}

// Mask replaces the literals of an SQL fragment (a plan's "Filter" or
// "Index Cond" expression) with `?` and keeps everything else as written:
// no normalisation, so the expression stays readable next to its plan node.
func (o *Obfuscator) Mask(fragment string) string {
	return o.obfuscator.Obfuscate(fragment, sqllexer.WithDBMS(o.dbms))
}
