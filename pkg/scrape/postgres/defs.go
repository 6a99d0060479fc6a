package postgres

import "github.com/dbintel/dbintel/pkg/scrape"

// scopeName is the instrumentation scope of everything this package emits.
const scopeName = "github.com/dbintel/dbintel/pkg/scrape/postgres"

// def is a metric plus whether it is on without configuration. Names, units
// and attributes follow the OpenTelemetry Collector's postgresqlreceiver
// (metadata.yaml) so its dashboards work; the extras it lacks use the same
// style. Its cumulative monotonic sums go out as delta sums here.
type def struct {
	scrape.MetricDef
	on       bool // in the default set
	receiver bool // also in postgresqlreceiver
}

func m(name, unit, desc string, kind scrape.Kind, on, receiver bool) def {
	return def{MetricDef: scrape.MetricDef{Name: name, Unit: unit, Description: desc, Kind: kind}, on: on, receiver: receiver}
}

// Per-database metrics from pg_stat_database / pg_database.
var (
	mBackends  = m("postgresql.backends", "1", "The number of backends.", scrape.UpDownSum, true, true)
	mCommits   = m("postgresql.commits", "1", "The number of commits.", scrape.DeltaSum, true, true)
	mRollbacks = m("postgresql.rollbacks", "1", "The number of rollbacks.", scrape.DeltaSum, true, true)
	mDBSize    = m("postgresql.db_size", "By", "The database disk usage.", scrape.UpDownSum, true, true)
	mConnMax   = m("postgresql.connection.max", "{connections}", "Configured maximum number of client connections allowed.", scrape.Gauge, true, true)
	mDBCount   = m("postgresql.database.count", "{databases}", "Number of user databases.", scrape.UpDownSum, true, true)
)
