// Package deploy tests deploy/demo.sh, the first thing a new user runs.
package deploy

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestDemoCleansUpAfterItself runs `make demo`'s script for a few seconds
// on free ports: without DEMO_KEEP its temp directory (database included)
// is gone afterwards; with DEMO_KEEP=1 only the sink file and logs remain.
// Before, every run left about 100 MB in /tmp.
func TestDemoCleansUpAfterItself(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL, the gateway and the scraper")
	}
	if _, err := os.Stat("/usr/lib/postgresql/15/bin/initdb"); err != nil {
		t.Skip("PostgreSQL 15 not installed (the demo would install it)")
	}
	bin := t.TempDir()
	for _, cmd := range []string{"gateway", "scraper"} {
		if out, err := exec.Command("go", "build", "-o", filepath.Join(bin, cmd), "../../cmd/"+cmd).CombinedOutput(); err != nil {
			t.Fatalf("build %s: %v\n%s", cmd, err, out)
		}
	}
	for _, keep := range []bool{false, true} {
		env := append(os.Environ(), "DEMO_BIN="+bin, "DEMO_SECONDS=2", "NEW_RELIC_LICENSE_KEY=",
			"PG_PORT="+freePort(t), "DBINTEL_PPROF_ENDPOINT=",
			"DBINTEL_GRPC_ENDPOINT=127.0.0.1:"+freePort(t), "DBINTEL_HTTP_ENDPOINT=127.0.0.1:"+freePort(t),
			"DBINTEL_METRICS_ENDPOINT=127.0.0.1:"+freePort(t), "DBINTEL_HEALTH_ENDPOINT=127.0.0.1:"+freePort(t),
			"DBINTEL_STATUS_ENDPOINT=127.0.0.1:"+freePort(t),
			"DBINTEL_SCRAPER_METRICS_ENDPOINT=127.0.0.1:"+freePort(t), "DBINTEL_SCRAPER_HEALTH_ENDPOINT=127.0.0.1:"+freePort(t))
		if keep {
			env = append(env, "DEMO_KEEP=1")
		}
		cmd := exec.Command("bash", "../../deploy/demo.sh")
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("demo (keep=%v): %v\n%s", keep, err, out)
		}
		m := regexp.MustCompile(`in (\S+)/pgdata`).FindSubmatch(out)
		if m == nil {
			t.Fatalf("demo did not say where it ran:\n%s", out)
		}
		dir := string(m[1])
		if !strings.Contains(string(out), "PostgreSQL metrics are arriving in the sink") {
			t.Errorf("no data reached the sink:\n%s", out)
		}
		_, dirErr := os.Stat(dir)
		_, pgErr := os.Stat(filepath.Join(dir, "pgdata"))
		sink, sinkErr := os.Stat(filepath.Join(dir, "sink.jsonl"))
		switch {
		case !keep && !os.IsNotExist(dirErr):
			t.Errorf("%s left behind: %v\n%s", dir, dirErr, out)
		case keep && (sinkErr != nil || sink.Size() == 0 || !os.IsNotExist(pgErr)):
			t.Errorf("DEMO_KEEP=1: want the sink kept and the database removed (sink %v, pgdata %v)\n%s", sinkErr, pgErr, out)
		}
		if keep {
			os.RemoveAll(dir)
		}
	}
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_, port, _ := net.SplitHostPort(l.Addr().String())
	return port
}
