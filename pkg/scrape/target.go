// Package scrape is the database-agnostic scraping engine: a Target (the
// identity of one database server and the resource attributes it puts on
// everything), Collectors that each read one kind of data from it, and a
// Scheduler that runs them on their own intervals behind a circuit breaker
// and hands their batches to a pipeline.Consumer.
package scrape

import (
	"os"
	"sort"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/dbintel/dbintel/pkg/contract"
)

// Target identifies one database server and carries what every builder of
// its data needs: the resource identity, the dbintel version (scope version
// and the contract.ScopeAttrVersion scope attribute) and the temporality of
// its counters.
type Target struct {
	// System is the server product: postgresql | mysql | mariadb. MariaDB
	// is sent as db.system.name = mysql (see FillResource).
	System      string
	Address     string // server.address
	Port        int    // server.port
	InstanceID  string // service.instance.id = host:port; New Relic names the entity by it
	HostName    string // host.name of the machine the scraper runs on
	Labels      map[string]string
	Version     string      // dbintel version; "" leaves the scope unversioned
	Temporality Temporality // of Counter metrics; "" means DefaultTemporality
}

// NewTarget builds a target. service.instance.id is host:port, the form New
// Relic's entity synthesis rules key on and name the entity by (as its own
// receivers send it). A loopback address names a different server on every
// machine; host.name tells those apart.
func NewTarget(system, address string, port int, labels map[string]string) Target {
	host, _ := os.Hostname()
	return Target{
		System: system, Address: address, Port: port, HostName: host, Labels: labels,
		InstanceID: contract.Endpoint(address, port),
	}
}

// Name is a short, bounded identifier used in logs and breaker names.
func (t Target) Name() string {
	return t.System + "://" + contract.Endpoint(t.Address, t.Port)
}

// dbSystem is the db.system.name sent for the target: MariaDB goes out as
// mysql, because New Relic's MySQL entity rules and views match only that.
func (t Target) dbSystem() string {
	if t.System == contract.SystemMariaDB {
		return contract.SystemMySQL
	}
	return t.System
}

// FillResource writes the target's resource attributes into r. User labels
// can never set or override the identity attributes.
func (t Target) FillResource(r pcommon.Resource) {
	attrs := r.Attributes()
	keys := make([]string, 0, len(t.Labels))
	for k := range t.Labels {
		if !reservedAttrs[k] { // Config.Validate refuses them; never trust it here
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		attrs.PutStr(k, t.Labels[k])
	}
	sys := t.dbSystem()
	attrs.PutStr(contract.AttrDBSystem, sys)
	attrs.PutStr(contract.AttrDBProduct, t.System)
	attrs.PutStr(contract.AttrServerAddress, t.Address)
	attrs.PutInt(contract.AttrServerPort, int64(t.Port))
	attrs.PutStr(contract.AttrServiceInstanceID, t.InstanceID)
	if sys == contract.SystemMySQL {
		attrs.PutStr(contract.AttrMySQLEndpoint, t.InstanceID)
	}
	if t.HostName != "" {
		attrs.PutStr(contract.AttrHostName, t.HostName)
	}
}

// FillScope names the scope (a collector passes its system's
// contract.Scope*, New Relic's receiver scope that every widget of its views
// filters on) and marks it as dbintel's: scope version and the
// dbintel.version scope attribute.
func (t Target) FillScope(s pcommon.InstrumentationScope, name string) {
	s.SetName(name)
	if t.Version != "" {
		s.SetVersion(t.Version)
		s.Attributes().PutStr(contract.ScopeAttrVersion, t.Version)
	}
}

// reservedAttrs are the resource attributes a user label may not set.
var reservedAttrs = map[string]bool{
	contract.AttrDBSystem: true, contract.AttrDBProduct: true, contract.AttrServerAddress: true,
	contract.AttrServerPort: true, contract.AttrServiceInstanceID: true, contract.AttrHostName: true,
	contract.AttrMySQLEndpoint: true,
}
