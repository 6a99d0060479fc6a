package contract

// Instrumentation scopes. Every widget of New Relic's OpenTelemetry
// PostgreSQL and MySQL dashboards filters on otel.library.name (the scope
// name) being New Relic's own receiver, so the scraper's metrics and events
// carry that scope name; ScopeAttrVersion (a scope attribute) and the scope
// version tell a person that dbintel sent them. docs/scope.md has the
// reasoning.
const (
	ScopePostgreSQL = "github.com/newrelic-forks/opentelemetry-collector-contrib/receiver/nrpostgresqlreceiver"
	ScopeMySQL      = "github.com/newrelic-forks/opentelemetry-collector-contrib/receiver/nrmysqlreceiver"
	// ScopeGateway names the events the gateway itself emits
	// (db.server.plan_change, dbintel.breaker).
	ScopeGateway = "github.com/dbintel/dbintel/gateway"

	// ScopeAttrVersion is a scope attribute whose value is the dbintel
	// version that produced the data; its presence marks dbintel's output.
	ScopeAttrVersion = "dbintel.version"
)

// ScopeFor returns the scope name for a db.system.name value.
func ScopeFor(system string) string {
	if system == SystemMySQL || system == SystemMariaDB {
		return ScopeMySQL
	}
	return ScopePostgreSQL
}
