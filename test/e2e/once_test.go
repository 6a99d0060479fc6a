package e2e

import (
	"bufio"
	"os/exec"
	"strings"
	"testing"

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
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	lines := 0
	for sc.Scan() {
		lines++
		line := sc.Bytes()
		if md, err := (&pmetric.JSONUnmarshaler{}).UnmarshalMetrics(line); err == nil && md.DataPointCount() > 0 {
			rms := md.ResourceMetrics()
			for i := 0; i < rms.Len(); i++ {
				sms := rms.At(i).ScopeMetrics()
				for j := 0; j < sms.Len(); j++ {
					for k := 0; k < sms.At(j).Metrics().Len(); k++ {
						metrics[sms.At(j).Metrics().At(k).Name()] = true
					}
				}
			}
			continue
		}
		if ld, err := (&plog.JSONUnmarshaler{}).UnmarshalLogs(line); err != nil || ld.LogRecordCount() == 0 {
			t.Fatalf("line %d is neither OTLP metrics nor logs JSON: %.200s", lines, line)
		}
	}
	for _, name := range []string{"postgresql.backends", "postgresql.db_size", "postgresql.commits", "postgresql.connection.max"} {
		if !metrics[name] {
			t.Errorf("--once output lacks %s", name)
		}
	}
	if strings.Contains(string(out)+stderr.String(), "once-secret-pw") {
		t.Error("the DSN's password was printed")
	}
}
