package newrelic

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dbintel/dbintel/test/fakebackend"
	"github.com/dbintel/dbintel/test/harness"
	"github.com/dbintel/dbintel/test/mariadbtest"
	"github.com/dbintel/dbintel/test/pgtest"
	"go.yaml.in/yaml/v3"
)

// scrapeFor bounds the scraping phase: enough for three infrastructure
// cycles and two query-statistics cycles (baseline, then deltas).
const scrapeFor = 12 * time.Second

// scraperConfig is deploy/scraper.yaml (the default config) with short
// intervals, so a few cycles fit in seconds.
func scraperConfig(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(harness.Root(), "deploy", "scraper.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var cfg map[string]any
	if err := yaml.Unmarshal(b, &cfg); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{
		"postgres.collection_interval", "postgres.query_timeout", "postgres.databases.collection_interval",
		"postgres.query_stats.collection_interval", "postgres.sessions.emit_interval", "postgres.plans.collection_interval",
		"mysql.collection_interval", "mysql.query_timeout", "mysql.query_stats.collection_interval", "mysql.samples.emit_interval",
	} {
		setYAML(t, cfg, p, "2s")
	}
	out, err := yaml.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "scraper.yaml")
	if err := os.WriteFile(path, out, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// scrapeThroughGateway runs PostgreSQL 15 (with a streaming standby, so
// replication is reported) and MariaDB (a replica) under a workload, the scraper with
// the default config through the gateway with the default config, into
// a fake New Relic; it returns what New Relic would hold.
func scrapeThroughGateway(t *testing.T) (ingest *Ingest, pgEndpoint, mariaEndpoint string) {
	t.Helper()
	began := time.Now()
	var (
		pg            *pgtest.Server
		source, maria *mariadbtest.Server
	)
	parallel(t, func(tb testing.TB) {
		pg = pgtest.Start(tb,
			pgtest.WithSetting("track_functions", "'all'"),
			pgtest.WithSetting("deadlock_timeout", "'100ms'"),
			pgtest.WithSetting("auto_explain.log_min_duration", "0"),
			pgtest.WithSetting("auto_explain.log_format", "json"),
			pgtest.WithSetting("log_destination", "'jsonlog'"), // carries query_id, which plan changes are keyed on
			pgtest.WithSetting("wal_level", "replica"))
		pgtest.StartStandby(tb, pg)
	}, func(tb testing.TB) {
		// The scraped MariaDB replicates from another, so the Replication
		// page has a replica to show.
		source = mariadbtest.Start(tb, mariadbtest.WithArgs("--log-bin=source-bin", "--server-id=1"))
	}, func(tb testing.TB) {
		maria = mariadbtest.Start(tb, mariadbtest.WithPerformanceSchema(), mariadbtest.WithArgs("--server-id=2"))
	})
	pgSetup(t, pg)
	mariaSetup(t, maria.DB(t, ""))
	mariaReplicate(t, maria, source)

	t.Logf("servers ready after %s", time.Since(began).Round(100*time.Millisecond))
	backend := fakebackend.Start(t)
	gw := harness.StartGateway(t, harness.GatewayEnv(t, map[string]string{
		"DBINTEL_FORWARD_ENDPOINT": backend.GRPCAddr(), "NEW_RELIC_LICENSE_KEY": "views-test",
	}), "")
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer func() { stop(); wg.Wait() }()
	// A second gateway with a hair-trigger breaker, flooded by one sender,
	// produces the dbintel.breaker events dbintel's dashboard shows.
	flooded := harness.StartGateway(t, harness.GatewayEnv(t, map[string]string{
		"DBINTEL_FORWARD_ENDPOINT": backend.GRPCAddr(), "NEW_RELIC_LICENSE_KEY": "views-test",
	}), floodingGatewayConfig(t))
	floodBreaker(ctx, t, flooded.GRPC, &wg)
	pgWorkload(ctx, t, pg, &wg)
	mariaWorkload(ctx, t, maria, &wg)

	scraper := harness.Start(t, harness.Binary(t, "scraper"), map[string]string{
		"DBINTEL_POSTGRES_DSN":             pg.DSN(),
		"DBINTEL_POSTGRES_LOG_DIR":         pg.LogDir(),
		"DBINTEL_MYSQL_DSN":                maria.DSNFor(""),
		"DBINTEL_GATEWAY_ENDPOINT":         gw.GRPC,
		"DBINTEL_SCRAPER_METRICS_ENDPOINT": harness.FreeAddr(t),
		"DBINTEL_SCRAPER_HEALTH_ENDPOINT":  harness.FreeAddr(t),
	}, "--config", scraperConfig(t))
	select {
	case <-time.After(scrapeFor):
	case <-ctx.Done():
	}
	if scraper.Exited() {
		t.Fatalf("the scraper exited early:\n%s", scraper.Output())
	}
	stopping := time.Now()
	if err := scraper.Stop(15 * time.Second); err != nil {
		t.Errorf("scraper stop: %v", err)
	}
	stop()
	wg.Wait()
	for _, g := range []*harness.Gateway{gw, flooded} {
		if err := g.Stop(15 * time.Second); err != nil {
			t.Errorf("gateway stop: %v", err)
		}
	}
	t.Logf("scraper and gateways stopped in %s", time.Since(stopping).Round(100*time.Millisecond))
	ingest = NewIngest()
	for _, md := range backend.Metrics() {
		ingest.AddMetrics(md)
	}
	for _, ld := range backend.Logs() {
		ingest.AddLogs(ld)
	}
	return ingest, "127.0.0.1:" + strconv.Itoa(pg.Port()), "127.0.0.1:" + strconv.Itoa(maria.Port())
}

// TestNewRelicViews is the judge of issue 10: a real scrape of
// PostgreSQL 15 and MariaDB through the real gateway must synthesize one
// entity per server, named host:port, from metrics and from logs alike,
// and light up every widget of New Relic's dashboards for them and of
// dbintel's own dashboards, except the listed ones.
func TestNewRelicViews(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL, MariaDB, the gateway and the scraper")
	}
	began := time.Now()
	harness.Binary(t, "scraper") // builds both binaries once
	built := time.Now()
	defs, dashes := loadReference(t)
	ingest, pgEndpoint, mariaEndpoint := scrapeThroughGateway(t)
	store := NewStore(ingest.Events)
	dumpEvents(t, ingest.Events)
	t.Logf("New Relic would hold %v", store.Types())
	for reason, n := range ingest.Dropped {
		t.Errorf("New Relic would not store %d record(s): %s", n, reason)
	}

	all := append(append([]*Definition(nil), defs["postgresql"]...), defs["mysql"]...)
	ents, byRule := Synthesize(ingest.Events, all, testAccount)
	t.Logf("entities %+v, records per rule %v", ents, byRule)
	entity := checkEntities(t, ents, byRule, map[string]string{"POSTGRESQLINSTANCE": pgEndpoint, "MYSQLNODE": mariaEndpoint})

	var rows []Coverage
	for _, sys := range []string{"postgresql", "mysql"} {
		for _, d := range dashes[sys] {
			var scope Scope
			if d.Scope == "entity" {
				scope = EntityScope(entity[d.EntityType])
			}
			rows = append(rows, judge(t, store, d, scope))
		}
	}
	for _, d := range loadOwnDashboards(t) {
		rows = append(rows, judge(t, store, d, nil))
	}
	t.Logf("coverage (README \"New Relic views\"):\n%s\n%s", CoverageTable(rows), exceptionsTable())
	t.Logf("took %s: building the binaries %s, the rest %s", time.Since(began).Round(time.Second),
		built.Sub(began).Round(time.Second), time.Since(built).Round(time.Second))
}

// checkEntities wants exactly one entity per expected type, named by its
// endpoint, synthesized from both its metric rule and its log rule; it
// returns the GUID per type.
func checkEntities(t *testing.T, ents []Entity, byRule map[string]int, want map[string]string) map[string]string {
	t.Helper()
	guid := map[string]string{}
	for _, e := range ents {
		if _, dup := guid[e.Type]; dup {
			t.Errorf("more than one %s entity: %+v", e.Type, ents)
		}
		guid[e.Type] = e.GUID
		if want[e.Type] == "" {
			t.Errorf("unexpected entity %+v", e)
		} else if e.Name != want[e.Type] {
			t.Errorf("%s entity named %q, want %q (host:port)", e.Type, e.Name, want[e.Type])
		}
	}
	var types []string
	for typ := range want {
		types = append(types, typ)
	}
	sort.Strings(types)
	for _, typ := range types {
		if guid[typ] == "" {
			t.Errorf("no %s entity synthesized", typ)
		}
		var fromMetrics, fromLogs bool
		for rule, n := range byRule {
			if strings.HasPrefix(rule, typ+"/") && n > 0 {
				fromMetrics = fromMetrics || !strings.HasSuffix(rule, "_otel_logs")
				fromLogs = fromLogs || strings.HasSuffix(rule, "_otel_logs")
			}
		}
		if !fromMetrics || !fromLogs {
			t.Errorf("%s: synthesized from metrics %v, from logs %v; want both (rules matched: %v)", typ, fromMetrics, fromLogs, byRule)
		}
	}
	return guid
}

// judge checks one dashboard against the exceptions list: an unpopulated
// widget must be listed, a listed widget must be unpopulated.
func judge(t *testing.T, store *Store, d *Dashboard, scope Scope) Coverage {
	t.Helper()
	results, err := store.CheckDashboard(d, scope)
	if err != nil {
		t.Fatal(err)
	}
	row := Coverage{Dashboard: d.ID, Total: len(results)}
	for _, r := range results {
		key := d.ID + " / " + r.Key()
		reason, excepted := exceptions[key]
		switch {
		case r.Populated && excepted:
			t.Errorf("%s is populated but listed as an exception (%s): remove it from the list", key, reason)
			row.Populated++
		case r.Populated:
			row.Populated++
		case excepted:
			row.Excepted++
		default:
			row.Unexpected++
			t.Errorf("UNPOPULATED %s\n    %s", key, strings.Join(r.Problems, "\n    "))
		}
	}
	return row
}

// dumpEvents writes what New Relic would hold, one JSON event per line, to
// the file DBINTEL_NEWRELIC_DUMP names (for looking at a failure).
func dumpEvents(t *testing.T, events []Event) {
	path := os.Getenv("DBINTEL_NEWRELIC_DUMP")
	if path == "" {
		return
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	enc := json.NewEncoder(f)
	for _, e := range events {
		a := map[string]any{"eventType": e.Type}
		for k, v := range e.Attrs {
			a[k] = v
		}
		if err := enc.Encode(a); err != nil {
			t.Fatal(err)
		}
	}
}

// exceptionsTable renders the exceptions list for the README.
func exceptionsTable() string {
	keys := make([]string, 0, len(exceptions))
	for k := range exceptions {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString("| widget | why it stays empty here |\n|---|---|\n")
	for _, k := range keys {
		b.WriteString("| " + k + " | " + exceptions[k] + " |\n")
	}
	return b.String()
}
