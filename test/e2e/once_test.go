package e2e

import (
	"bufio"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/dbintel/dbintel/pkg/contract"
	"github.com/dbintel/dbintel/test/harness"
	"github.com/dbintel/dbintel/test/pgtest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

// TestScraperOncePrintsOTLPJSON runs `scraper --once` as a new user would:
// every stdout line is an OTLP JSON request that pdata decodes, with the
// PostgreSQL metrics in it, and the DSN's password appears nowhere.
func TestScraperOncePrintsOTLPJSON(t *testing.T) {
	pg := pgtest.Start(t)
	pg.Exec(t, "CREATE ROLE monitor LOGIN PASSWORD 'once-secret-pw' IN ROLE pg_monitor")
	dsn := strings.Replace(pg.DSN(), "postgres@", "monitor:once-secret-pw@", 1)
	cmd := exec.Command(harness.Binary(t, "scraper"), "--config", "deploy/scraper.yaml", "--once")
	cmd.Dir = harness.Root()
	cmd.Env = append(cmd.Environ(), "DBINTEL_POSTGRES_DSN="+dsn, "DBINTEL_SCRAPER_METRICS_ENDPOINT="+harness.FreeAddr(t),
		"DBINTEL_SCRAPER_HEALTH_ENDPOINT="+harness.FreeAddr(t))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("scraper --once: %v\n%s", err, stderr.String())
	}
	metrics := map[string]bool{}
	resources := map[string]bool{} // resource attribute keys of the metrics
	wantID := "127.0.0.1:" + strconv.Itoa(pg.Port())
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	lines := 0
	for sc.Scan() {
		lines++
		line := sc.Bytes()
		if md, err := (&pmetric.JSONUnmarshaler{}).UnmarshalMetrics(line); err == nil && md.DataPointCount() > 0 {
			rms := md.ResourceMetrics()
			for i := 0; i < rms.Len(); i++ {
				for k := range rms.At(i).Resource().Attributes().All() {
					resources[k] = true
				}
				if id, _ := rms.At(i).Resource().Attributes().Get(contract.AttrServiceInstanceID); id.Str() != wantID {
					t.Errorf("service.instance.id = %q, want %q (New Relic names the entity by host:port)", id.Str(), wantID)
				}
				sms := rms.At(i).ScopeMetrics()
				for j := 0; j < sms.Len(); j++ {
					if sc := sms.At(j).Scope(); sc.Name() != contract.ScopePostgreSQL || sc.Version() == "" {
						t.Errorf("scope %q version %q, want New Relic's receiver scope and dbintel's version", sc.Name(), sc.Version())
					}
					for k := 0; k < sms.At(j).Metrics().Len(); k++ {
						m := sms.At(j).Metrics().At(k)
						metrics[m.Name()] = true
						if m.Name() == "postgresql.commits" && m.Sum().AggregationTemporality() != pmetric.AggregationTemporalityCumulative {
							t.Error("postgresql.commits is not cumulative (the default temporality)")
						}
					}
				}
			}
			continue
		}
		if ld, err := (&plog.JSONUnmarshaler{}).UnmarshalLogs(line); err != nil || ld.LogRecordCount() == 0 {
			t.Fatalf("line %d is neither OTLP metrics nor logs JSON: %.200s", lines, line)
		}
	}
	for _, name := range []string{"postgresql.backends", "postgresql.db_size", "postgresql.commits", "postgresql.connection.max",
		"postgresql.blks_hit", "postgresql.tup_returned", "postgresql.database.locks", "postgresql.wal.age", "postgresql.query.conflicts"} {
		if !metrics[name] {
			t.Errorf("--once output lacks %s", name)
		}
	}
	for _, k := range []string{contract.PGResDatabase, contract.AttrDBSystem, contract.AttrServerAddress, contract.AttrServerPort} {
		if !resources[k] {
			t.Errorf("no metrics resource carries %s", k)
		}
	}
	if strings.Contains(string(out)+stderr.String(), "once-secret-pw") {
		t.Error("the DSN's password was printed")
	}
}
