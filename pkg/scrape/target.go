// Package scrape is the database-agnostic scraping engine: a Target (the
// identity of one database server and the resource attributes it puts on
// everything), Collectors that each read one kind of data from it, and a
// Scheduler that runs them on their own intervals behind a circuit breaker
// and hands their batches to a pipeline.Consumer.
package scrape

import (
	"net"
	"os"
	"sort"
	"strconv"

	"github.com/google/uuid"
	"go.opentelemetry.io/collector/pdata/pcommon"
)

// Target identifies one database server.
type Target struct {
	System     string // db.system.name: postgresql | mysql | mariadb
	Address    string // server.address
	Port       int    // server.port
	InstanceID string // service.instance.id, stable per server
	HostName   string // host.name of the machine the scraper runs on
	Labels     map[string]string
}

// instanceNS namespaces the UUIDv5 instance ids so they never collide with
// ids another tool derives from the same strings.
var instanceNS = uuid.MustParse("6a3f1e52-4f2b-5b43-9b8e-3c1d2f5a7e10")

// NewTarget builds a target. The instance id is a UUIDv5 of system, address
// and port, so it survives scraper restarts; for a loopback address the
// scraper's host name is mixed in, because "127.0.0.1:5432" names a
// different server on every machine.
func NewTarget(system, address string, port int, labels map[string]string) Target {
	host, _ := os.Hostname()
	key := system + "://" + net.JoinHostPort(address, strconv.Itoa(port))
	if isLoopback(address) {
		key += "@" + host
	}
	return Target{
		System: system, Address: address, Port: port, HostName: host, Labels: labels,
		InstanceID: uuid.NewSHA1(instanceNS, []byte(key)).String(),
	}
}

func isLoopback(addr string) bool {
	if addr == "localhost" || addr == "" || addr[0] == '/' { // '/' = Unix socket dir
		return true
	}
	ip := net.ParseIP(addr)
	return ip != nil && ip.IsLoopback()
}

// Name is a short, bounded identifier used in logs and breaker names.
func (t Target) Name() string {
	return t.System + "://" + net.JoinHostPort(t.Address, strconv.Itoa(t.Port))
}

// FillResource writes the target's resource attributes into r. User labels
// come first so they can never override the identity attributes.
func (t Target) FillResource(r pcommon.Resource) {
	attrs := r.Attributes()
	keys := make([]string, 0, len(t.Labels))
	for k := range t.Labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		attrs.PutStr(k, t.Labels[k])
	}
	attrs.PutStr("db.system.name", t.System)
	attrs.PutStr("server.address", t.Address)
	attrs.PutInt("server.port", int64(t.Port))
	attrs.PutStr("service.instance.id", t.InstanceID)
	if t.HostName != "" {
		attrs.PutStr("host.name", t.HostName)
	}
}

// reservedAttrs are the resource attributes a user label may not set.
var reservedAttrs = map[string]bool{
	"db.system.name": true, "server.address": true, "server.port": true,
	"service.instance.id": true, "host.name": true,
}
