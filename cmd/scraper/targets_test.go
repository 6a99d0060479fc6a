package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dbintel/dbintel/internal/config"
	"github.com/dbintel/dbintel/pkg/pipeline"
	"github.com/dbintel/dbintel/test/tlscerts"
)

func parse(t *testing.T, yml string) (Config, error) {
	t.Helper()
	cfg := defaultConfig()
	err := config.Parse([]byte(yml), func(string) (string, bool) { return "", false }, &cfg)
	return cfg, err
}

const shared = `
scrape: {labels: {deployment.environment.name: prod, team: dba}}
postgres:
  collection_interval: 30s
  metrics: {postgresql.table.dead_tuple_ratio: {enabled: false}}
  query_stats: {top_n: 100}
mysql: {collection_interval: 20s}
`

// Targets take the shared section of their kind and override what they set.
func TestTargetsOverSharedDefaults(t *testing.T) {
	cfg, err := parse(t, shared+`
targets:
  - name: orders
    labels: {team: orders}
    postgres:
      dsn: postgres://mon:pw1@db1:5432/postgres
      metrics: {postgresql.blks_hit: {enabled: true}}
      query_stats: {top_n: 5}
  - postgres: {dsn: "postgres://mon:pw2@db2:5433/postgres", collection_interval: 15s}
  - mysql: {dsn: "mon:pw3@tcp(db3:3306)/"}
`)
	if err != nil {
		t.Fatal(err)
	}
	servers, problems := cfg.servers()
	if len(problems) != 0 || len(servers) != 3 {
		t.Fatalf("%d servers, problems %v", len(servers), problems)
	}
	orders, db2, db3 := servers[0], servers[1], servers[2]
	if orders.name != "orders" || db2.name != "db2:5433" || db3.name != "db3:3306" {
		t.Errorf("names %q %q %q: want the given name or host:port", orders.name, db2.name, db3.name)
	}
	if orders.postgres.CollectionInterval != 30*time.Second || db2.postgres.CollectionInterval != 15*time.Second || db3.mysql.CollectionInterval != 20*time.Second {
		t.Errorf("intervals %s %s %s, want 30s (shared) 15s (own) 20s (shared)", orders.postgres.CollectionInterval, db2.postgres.CollectionInterval, db3.mysql.CollectionInterval)
	}
	if orders.postgres.QueryStats.TopN != 5 || db2.postgres.QueryStats.TopN != 100 || !db2.postgres.QueryStats.Enabled {
		t.Errorf("query_stats: orders top_n %d (want 5), db2 %+v (want shared top_n 100, built-in enabled)", orders.postgres.QueryStats.TopN, db2.postgres.QueryStats)
	}
	if m := orders.postgres.Metrics; len(m) != 2 || m["postgresql.table.dead_tuple_ratio"].Enabled || !m["postgresql.blks_hit"].Enabled {
		t.Errorf("orders metrics %v: want the shared switch plus its own", m)
	}
	if len(cfg.Postgres.Metrics) != 1 || len(db2.postgres.Metrics) != 1 {
		t.Errorf("one target's metric switches leaked into the shared section or another target: %v, %v", cfg.Postgres.Metrics, db2.postgres.Metrics)
	}
	if orders.labels["team"] != "orders" || orders.labels["deployment.environment.name"] != "prod" || db2.labels["team"] != "dba" || cfg.Scrape.Labels["team"] != "dba" {
		t.Errorf("labels: orders %v db2 %v shared %v", orders.labels, db2.labels, cfg.Scrape.Labels)
	}
	if orders.postgres.DSN.Value() != "postgres://mon:pw1@db1:5432/postgres" || orders.target.InstanceID != "db1:5432" {
		t.Errorf("orders: dsn or identity wrong: %s", orders.target.InstanceID)
	}
}

// The single-server form (a dsn in the top-level section, what
// deploy/scraper.yaml sets from the environment) is one more target.
func TestSingleServerFormStillWorks(t *testing.T) {
	cfg, err := parse(t, `postgres: {dsn: "postgres://mon@db1:5432/postgres"}
targets: [{name: other, mysql: {dsn: "mon@tcp(db2:3306)/"}}]
`)
	if err != nil {
		t.Fatal(err)
	}
	servers, problems := cfg.servers()
	if len(problems) != 0 || len(servers) != 2 || servers[0].name != "db1:5432" || servers[0].entry != "" || servers[1].name != "other" {
		t.Fatalf("servers %+v problems %v", servers, problems)
	}
}

// Every mistake is reported at its YAML path and line, without a DSN's
// password.
func TestTargetProblems(t *testing.T) {
	for _, tc := range []struct{ yml, want string }{
		{"targets:\n  - postgres: {dsn: \"postgres://u:pw1secret@h:5432/d\", colection_interval: 5s}\n", `targets[0].postgres.colection_interval: line 2: unknown key "colection_interval" (did you mean "collection_interval"?)`},
		{"targets:\n  - postgres:\n      dsn: \"postgres://u:pw1secret@h:5432/d\"\n      collection_interval: fast\n", "targets[0].postgres.collection_interval: line 4: must be a duration"},
		{"targets:\n  - postgres: {dsn: \"postgres://u:pw1secret@h:5432/d\", collection_interval: 100ms}\n", "targets[0].postgres.collection_interval: line 2: must be at least 1s"},
		{"targets:\n  - name: x\n    postgres: {collection_interval: 5s}\n", "targets[0].postgres.dsn: required"},
		{"postgres: {dsn: \"postgres://u:pw1secret@h:5432/d\"}\ntargets:\n  - postgres: {dsn: \"postgres://v:pw1secret@h:5432/e\"}\n", "targets[0].postgres.dsn: line 3: the same server as the top-level dsn (h:5432)"},
		{"targets:\n  - {name: a, postgres: {dsn: \"postgres://u:pw1secret@h1/d\"}}\n  - {name: a, mysql: {dsn: \"u:pw1secret@tcp(h2:3306)/\"}}\n", `targets[1].name: line 3: target name "a" is also used by targets[0]`},
		{"targets:\n  - {name: a}\n", "targets[0]: line 2: needs exactly one database section"},
		{"targets:\n  - {postgres: {dsn: \"postgres://u:pw1secret@h/d\"}, mysql: {dsn: \"u@tcp(h:3306)/\"}}\n", "targets[0]: line 2: needs exactly one database section"},
		{"targets:\n  - {name: \"a\\tb\", postgres: {dsn: \"postgres://u:pw1secret@h/d\"}}\n", "targets[0].name: line 2: must be printable"},
		{"targets:\n  - {name: " + strings.Repeat("n", 129) + ", postgres: {dsn: \"postgres://u:pw1secret@h/d\"}}\n", "targets[0].name: line 2: must be 1 to 128 bytes"},
		{"targets:\n  - {labels: {server.address: x}, postgres: {dsn: \"postgres://u:pw1secret@h/d\"}}\n", "targets[0].labels.server.address: line 2: server.address is set by the scraper"},
		{"targets:\n  - {postgres: {dsn: \"postgres://u:pw1secret@h:54x2/d\"}}\n", "targets[0].postgres.dsn: line 2:"},
		{"targets: []\n", "no database to scrape"},
	} {
		_, err := parse(t, tc.yml)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s\nwant %q in:\n%v", tc.yml, tc.want, err)
		}
		if err != nil && strings.Contains(err.Error(), "pw1s") {
			t.Errorf("a password is shown:\n%v", err)
		}
	}
	var many strings.Builder
	many.WriteString("targets:\n")
	for i := range 1001 {
		fmt.Fprintf(&many, "  - postgres: {dsn: \"postgres://u@h%d/d\"}\n", i)
	}
	if _, err := parse(t, many.String()); err == nil || !strings.Contains(err.Error(), "at most 1000 targets") {
		t.Errorf("1001 targets: %v", err)
	}
}

// --validate prints each target resolved (what runs), secrets redacted.
func TestValidatePrintsResolvedTargets(t *testing.T) {
	path := filepath.Join(t.TempDir(), "scraper.yaml")
	yml := shared + "targets:\n  - {name: orders, postgres: {dsn: \"postgres://mon:pw1secret@db1/postgres\"}}\n"
	if err := os.WriteFile(path, []byte(yml), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if code := run([]string{"--config", path, "--validate"}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	o := out.String()
	_, targets, _ := strings.Cut(o, "\ntargets:\n")
	for _, want := range []string{"name: orders", "dsn: '[REDACTED]'", "collection_interval: 30s", "top_n: 100", "team: dba"} {
		if !strings.Contains(targets, want) {
			t.Errorf("want %q in the printed targets:\n%s", want, targets)
		}
	}
	if strings.Contains(o, "pw1s") {
		t.Errorf("password printed:\n%s", o)
	}
}

// Each target's self-metrics carry its name: the same collector on two
// servers is two series, so one server's breaker or errors are its own.
func TestSelfMetricsLabelledByTarget(t *testing.T) {
	cfg, err := parse(t, `targets:
  - {name: a, postgres: {dsn: "postgres://u@127.0.0.1:1/d"}}
  - {name: b, postgres: {dsn: "postgres://u@127.0.0.1:2/d"}}
  - {name: c, mysql: {dsn: "u@tcp(127.0.0.1:3)/"}}
`)
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	discard := pipeline.ConsumerFunc(func(_ context.Context, _ pipeline.Batch) error { return nil })
	targets, err := buildTargets(cfg, func(string) pipeline.Consumer { return discard }, reg, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tg := range targets {
		tg.close()
	}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	series := map[string]bool{}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			target := ""
			for _, l := range m.GetLabel() {
				if l.GetName() == "target" {
					target = l.GetValue()
				}
			}
			if target == "" {
				t.Errorf("%s has a series without a target label", f.GetName())
			}
			if f.GetName() == "dbintel_scrape_breaker_state" {
				series[target] = true
			}
		}
	}
	if len(series) != 3 {
		t.Errorf("breaker state series by target: %v, want a, b and c", series)
	}
}

// The commented multi-target example in deploy/scraper.yaml is valid and
// means what its comments say.
func TestDeployTargetsExample(t *testing.T) {
	data, err := os.ReadFile("../../deploy/scraper.yaml")
	if err != nil {
		t.Fatal(err)
	}
	files, err := tlscerts.Write(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	head, rest, ok := strings.Cut(string(data), "\ntargets: []\n")
	if !ok {
		t.Fatal("deploy/scraper.yaml has no 'targets: []'")
	}
	var example strings.Builder
	lines := strings.Split(rest, "\n")
	i := 0
	for ; i < len(lines) && strings.HasPrefix(lines[i], "#  "); i++ {
		example.WriteString(strings.TrimPrefix(lines[i], "#") + "\n")
	}
	yml := head + "\ntargets:\n" + example.String() + strings.Join(lines[i:], "\n")
	yml = strings.ReplaceAll(yml, "/etc/dbintel/rds-global-bundle.pem", files.CA)
	env := map[string]string{
		"ORDERS_PRIMARY_DSN": "postgres://monitor:pw1secret@orders-1.example:5432/postgres?sslmode=verify-full&sslrootcert=" + files.CA,
		"ORDERS_REPLICA_DSN": "postgres://monitor:pw1secret@orders-2.example:5432/postgres",
		"BILLING_DSN":        "monitor:pw1secret@tcp(billing.example:3306)/",
	}
	cfg := defaultConfig()
	if err := config.Parse([]byte(yml), func(k string) (string, bool) { v, ok := env[k]; return v, ok }, &cfg); err != nil {
		t.Fatalf("the example does not validate: %v\n%s", err, example.String())
	}
	servers, _ := cfg.servers()
	if len(servers) != 3 || servers[0].name != "orders-primary" || servers[0].postgres.QueryStats.TopN != 50 ||
		servers[1].postgres.QueryStats.Enabled || servers[2].mysql.TLS.CAFile != files.CA || servers[0].labels["team"] != "orders" {
		t.Errorf("example resolved to %+v", servers)
	}
}

// mysql.tls is checked at --validate: files readable, and not together
// with the DSN's own tls=.
func TestMySQLTLSProblems(t *testing.T) {
	files, err := tlscerts.Write(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ yml, want string }{
		{"targets:\n  - mysql: {dsn: \"u:pw1secret@tcp(h:3306)/?tls=true\", tls: {ca_file: " + files.CA + "}}\n", "targets[0].mysql.tls: line 2: the dsn sets tls= too"},
		{"targets:\n  - mysql:\n      dsn: \"u:pw1secret@tcp(h:3306)/\"\n      tls: {ca_file: /nonexistent/ca.pem}\n", "targets[0].mysql.tls.ca_file: line 4: open /nonexistent/ca.pem"},
		{"mysql: {tls: {cert_file: " + files.ClientCert + "}}\ntargets:\n  - mysql: {dsn: \"u:pw1secret@tcp(h:3306)/\"}\n", "mysql.tls.cert_file: line 1: cert_file and key_file go together"},
	} {
		_, err := parse(t, tc.yml)
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "pw1s") {
			t.Errorf("%s\nwant %q in:\n%v", tc.yml, tc.want, err)
		}
	}
}
