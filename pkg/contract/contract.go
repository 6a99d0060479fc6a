// Package contract is the one place where the names dbintel sends are
// spelled: resource attributes, the database identity, the instrumentation
// scope, event names and the attribute names of query-level events. The
// scraper writes these names and every gateway stage reads them; no other
// file spells them as string literals.
//
// The judge of a name is what New Relic's views read: its entity
// definitions (infra-postgresqlinstance, infra-mysqlnode), its quickstart
// dashboards and the expected outputs of its own OpenTelemetry receivers
// (nrpostgresqlreceiver, nrmysqlreceiver). docs/newrelic-names.md maps each
// name to its source.
package contract

import (
	"net"
	"strconv"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// Resource attributes on everything the scraper sends.
const (
	AttrDBSystem          = "db.system.name"
	AttrServerAddress     = "server.address"
	AttrServerPort        = "server.port"
	AttrServiceInstanceID = "service.instance.id" // host:port; New Relic names the entity by it
	AttrHostName          = "host.name"
	AttrServiceName       = "service.name" // identifies senders that are not databases
	// AttrMySQLEndpoint is host:port; New Relic's MYSQLNODE entity is keyed on it.
	AttrMySQLEndpoint = "mysql.instance.endpoint"
	// AttrNamespace is the database name (OTel semantic conventions).
	AttrNamespace = "db.namespace"
	// AttrCollection is the table name (OTel semantic conventions).
	AttrCollection = "db.collection.name"
	// AttrEventName carries the event name for SDKs older than the
	// LogRecord EventName field.
	AttrEventName = "event.name"
)

// Values of AttrDBSystem. MariaDB is sent as SystemMySQL: New Relic's MySQL
// views and entity rules match db.system.name = mysql only; the product is
// told apart by AttrDBProduct.
const (
	SystemPostgreSQL = "postgresql"
	SystemMySQL      = "mysql"
	SystemMariaDB    = "mariadb" // accepted from other senders; dbintel never sends it
)

// AttrDBProduct is the resource attribute that names the server product
// when db.system.name cannot (MariaDB under "mysql").
const AttrDBProduct = "dbintel.db.product"

// Endpoint is the host:port form of an address and port, as New Relic's
// entity rules expect it in service.instance.id and mysql.instance.endpoint.
func Endpoint(address string, port int) string {
	return net.JoinHostPort(address, strconv.Itoa(port))
}

// IsDatabase reports whether a resource comes from a database (it carries
// db.system.name).
func IsDatabase(res pcommon.Resource) bool {
	_, ok := res.Attributes().Get(AttrDBSystem)
	return ok
}

// System returns the resource's db.system.name, "" when absent.
func System(res pcommon.Resource) string {
	if v, ok := res.Attributes().Get(AttrDBSystem); ok {
		return ValueString(v)
	}
	return ""
}
