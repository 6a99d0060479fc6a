package e2e

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"github.com/dbintel/dbintel/test/harness"
	"github.com/dbintel/dbintel/test/mariadbtest"
	"github.com/dbintel/dbintel/test/pgtest"
	"github.com/dbintel/dbintel/test/tlscerts"
)

// TestScraperOverVerifiedTLS: `scraper --once` reaches a PostgreSQL with
// sslmode=verify-full (CA file, host 127.0.0.1 in the certificate's SAN)
// as a role that may only log in with a client certificate, and a MariaDB
// through the mysql tls: section (CA and client certificate); a MariaDB
// target that trusts another CA gets nothing and says so.
func TestScraperOverVerifiedTLS(t *testing.T) {
	pg := pgtest.Start(t, pgtest.WithTLS())
	pg.Exec(t, "CREATE ROLE "+tlscerts.ClientUser+" LOGIN IN ROLE pg_monitor")
	files, err := tlscerts.Write(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	my := mariadbtest.Start(t, mariadbtest.WithTLS(files))
	mysqlDSN := fmt.Sprintf("%s@tcp(127.0.0.1:%d)/", tlscerts.ClientUser, my.Port())
	once := func(t *testing.T, ca string) (map[string]bool, error, string) {
		yml := fmt.Sprintf(`
postgres: {query_stats: {enabled: false}, sessions: {enabled: false}}
mysql: {query_stats: {enabled: false}, samples: {enabled: false}}
targets:
  - name: pg
    postgres: {dsn: %q}
  - name: mariadb
    mysql:
      dsn: %q
      tls: {ca_file: %q, cert_file: %q, key_file: %q}
forward: {endpoint: "127.0.0.1:1", insecure: true}
telemetry: {metrics_endpoint: %q, health_endpoint: %q}
`, pg.TLSDSN(), mysqlDSN, ca, files.ClientCert, files.ClientKey, harness.FreeAddr(t), harness.FreeAddr(t))
		cmd := exec.Command(harness.Binary(t, "scraper"), "--config", writeConfig(t, yml), "--once")
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		return instancesIn(out), err, stderr.String()
	}
	pgID, myID := fmt.Sprintf("127.0.0.1:%d", pg.Port()), fmt.Sprintf("127.0.0.1:%d", my.Port())

	seen, err, stderr := once(t, files.CA)
	if err != nil || !seen[pgID] || !seen[myID] {
		t.Fatalf("over verified TLS: exit %v, metrics of %v (want %s and %s)\n%s", err, seen, pgID, myID, stderr)
	}
	seen, err, stderr = once(t, files.OtherCA)
	if err == nil || seen[myID] || !seen[pgID] || !strings.Contains(stderr, "certificate") {
		t.Errorf("MariaDB trusting another CA: exit %v, metrics of %v; want exit 1, PostgreSQL only, a certificate error\n%s", err, seen, stderr)
	}
}
