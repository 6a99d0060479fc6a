package e2e

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/dbintel/dbintel/pkg/contract"
	"github.com/dbintel/dbintel/test/fakebackend"
	"github.com/dbintel/dbintel/test/harness"
	"github.com/dbintel/dbintel/test/mariadbtest"
	"github.com/dbintel/dbintel/test/pgtest"
)

// TestOneScraperManyServers runs one scraper binary against two PostgreSQL
// versions, a MariaDB and a server that accepts connections but never
// answers (a hung host), through two gateways. `--once` covers every
// target; while serving, each server's data goes to one gateway, and when
// one PostgreSQL is stopped mid-run the other two keep being scraped every
// second while the stopped one's breaker opens and its error count rises.
func TestOneScraperManyServers(t *testing.T) {
	major := 15
	for _, v := range []int{16, 17, 14, 18, 13, 12} {
		if pgtest.Available(v) {
			major = v
			break
		}
	}
	if major == 15 {
		t.Log("no second PostgreSQL version installed (.ci/run installs them): both servers are 15")
	}
	pgA := pgtest.Start(t, pgtest.WithVersion(major))
	pgB := pgtest.Start(t)
	my := mariadbtest.Start(t)
	hung := hungServer(t)
	gws := []*fakebackend.Backend{fakebackend.Start(t), fakebackend.Start(t)}

	ids := map[string]string{ // target name -> service.instance.id
		"pg-a":    fmt.Sprintf("127.0.0.1:%d", pgA.Port()),
		"pg-b":    fmt.Sprintf("127.0.0.1:%d", pgB.Port()),
		"mariadb": fmt.Sprintf("127.0.0.1:%d", my.Port()),
	}
	live := fmt.Sprintf(`
scrape:
  labels: {deployment.environment.name: e2e}
  breaker: {failures: 2, slow_call: 5s, open_timeout: 10m}
postgres:                     # shared by every PostgreSQL target
  collection_interval: 1s
  query_timeout: 900ms
  query_stats: {enabled: false}
  sessions: {enabled: false}
mysql:
  collection_interval: 1s
  query_timeout: 900ms
  query_stats: {enabled: false}
  samples: {enabled: false}
targets:
  - name: pg-a
    labels: {team: a}
    postgres: {dsn: %q}
  - name: pg-b
    postgres:
      dsn: %q
      query_stats: {enabled: true, collection_interval: 5s}
  - name: mariadb
    mysql: {dsn: %q}
`, pgA.DSN(), pgB.DSN(), my.DSNFor(""))
	metricsAddr := harness.FreeAddr(t)
	tail := fmt.Sprintf(`
gateways: [%s, %s]
forward:
  insecure: true
  retry: {initial_interval: 100ms, max_interval: 1s}
telemetry:
  metrics_endpoint: %s
  health_endpoint: %s
`, gws[0].GRPCAddr(), gws[1].GRPCAddr(), metricsAddr, harness.FreeAddr(t))
	hungTarget := fmt.Sprintf(`
  - name: hung
    postgres:
      dsn: "postgres://u@%s/postgres?sslmode=disable"
      collection_interval: 10s
      query_timeout: 6s
`, hung)

	t.Run("once", func(t *testing.T) {
		path := writeConfig(t, live+tail)
		cmd := exec.Command(harness.Binary(t, "scraper"), "--config", path, "--once")
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("scraper --once: %v\n%s", err, stderr.String())
		}
		seen := instancesIn(out)
		for name, id := range ids {
			if !seen[id] {
				t.Errorf("--once printed no metrics of %s (%s); saw %v", name, id, seen)
			}
		}
	})

	path := writeConfig(t, live+hungTarget+tail)
	scraper := harness.Start(t, harness.Binary(t, "scraper"), nil, "--config", path)
	metricsURL := "http://" + metricsAddr + "/metrics"
	harness.WaitHTTP(t, metricsURL, 30*time.Second)

	waitUntil(t, 30*time.Second, scraper, "every live server scraped 3 times", func() bool {
		times, _ := scrapes(gws)
		for _, id := range ids {
			if len(times[id]) < 3 {
				return false
			}
		}
		return true
	})
	pgB.Stop()
	stopped := time.Now()
	waitUntil(t, 30*time.Second, scraper, "pg-b's breaker open", func() bool {
		m := harness.ScrapeMetrics(t, metricsURL)
		return m.Sum("dbintel_scrape_breaker_state", "target", "pg-b", "collector", "postgresql.metrics") == 2
	})
	time.Sleep(8*time.Second - time.Since(stopped)) // at least 8 s of scrapes after the stop

	times, owner := scrapes(gws)
	for _, name := range []string{"pg-a", "mariadb"} {
		after := times[ids[name]][sortedIndexAfter(times[ids[name]], stopped):]
		// Scraped every second while pg-b is down and the hung server
		// holds its connects for 6 s each: gaps stay near the interval.
		if len(after) < 5 {
			t.Errorf("%s: %d scrapes in the %s after pg-b stopped, want at least 5", name, len(after), time.Since(stopped).Round(time.Second))
		}
		for i := 1; i < len(after); i++ {
			if gap := after[i].Sub(after[i-1]); gap > 4*time.Second {
				t.Errorf("%s: %s between two scrapes after pg-b stopped (interval 1s)", name, gap)
			}
		}
	}
	if n := len(times[ids["pg-b"]]) - sortedIndexAfter(times[ids["pg-b"]], stopped.Add(2*time.Second)); n > 0 {
		t.Errorf("pg-b: %d scrapes arrived from a stopped server", n)
	}
	for name, id := range ids {
		if len(owner[id]) != 1 {
			t.Errorf("%s went to gateways %v, want exactly one (rendezvous by service.instance.id)", name, owner[id])
		}
	}

	m := harness.ScrapeMetrics(t, metricsURL)
	if e := m.Sum("dbintel_scrape_errors_total", "target", "pg-b"); e < 2 {
		t.Errorf("pg-b: dbintel_scrape_errors_total = %v, want it risen (>= 2)", e)
	}
	if e := m.Sum("dbintel_scrape_errors_total", "target", "hung"); e < 1 {
		t.Errorf("hung: dbintel_scrape_errors_total = %v, want >= 1 (connect timeout)", e)
	}
	for _, name := range []string{"pg-a", "mariadb"} {
		if e := m.Sum("dbintel_scrape_errors_total", "target", name); e != 0 {
			t.Errorf("%s: dbintel_scrape_errors_total = %v, want 0", name, e)
		}
		if b := m.Sum("dbintel_scrape_breaker_state", "target", name); b != 0 {
			t.Errorf("%s: a breaker is not closed (sum of states %v)", name, b)
		}
	}
	// Each target runs its own collectors: only pg-b turned query stats on.
	if m.Sum("dbintel_scrape_collector_enabled", "target", "pg-b", "collector", "postgresql.query_stats") != 1 ||
		hasSeries(m, "dbintel_scrape_collector_enabled", "pg-a", "postgresql.query_stats") {
		t.Error("per-target collectors: want postgresql.query_stats on pg-b only")
	}
	if err := scraper.Stop(20 * time.Second); err != nil {
		t.Errorf("scraper stop: %v", err)
	}
}

// hungServer accepts TCP connections and never answers, like a host whose
// database hangs; it returns its address.
func hungServer(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		<-done
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return l.Addr().String()
}

// scrapes returns, per service.instance.id, the distinct collection times of
// its metrics (sorted) and the gateways (indexes) they arrived at.
func scrapes(gws []*fakebackend.Backend) (map[string][]time.Time, map[string][]int) {
	times, owner := map[string][]time.Time{}, map[string][]int{}
	for g, gw := range gws {
		for _, md := range gw.Metrics() {
			for _, rm := range md.ResourceMetrics().All() {
				v, _ := rm.Resource().Attributes().Get(contract.AttrServiceInstanceID)
				id := v.Str()
				if !slices.Contains(owner[id], g) {
					owner[id] = append(owner[id], g)
				}
				for _, sm := range rm.ScopeMetrics().All() {
					for _, m := range sm.Metrics().All() {
						if ts, ok := firstTimestamp(m); ok && !slices.ContainsFunc(times[id], ts.Equal) {
							times[id] = append(times[id], ts)
						}
					}
				}
			}
		}
	}
	for id := range times {
		slices.SortFunc(times[id], time.Time.Compare)
	}
	return times, owner
}

func firstTimestamp(m pmetric.Metric) (time.Time, bool) {
	switch m.Type() {
	case pmetric.MetricTypeGauge:
		if m.Gauge().DataPoints().Len() > 0 {
			return m.Gauge().DataPoints().At(0).Timestamp().AsTime(), true
		}
	case pmetric.MetricTypeSum:
		if m.Sum().DataPoints().Len() > 0 {
			return m.Sum().DataPoints().At(0).Timestamp().AsTime(), true
		}
	}
	return time.Time{}, false
}

// sortedIndexAfter is the index of the first time after t.
func sortedIndexAfter(times []time.Time, t time.Time) int {
	i, _ := slices.BinarySearchFunc(times, t, func(a, b time.Time) int {
		if a.After(b) {
			return 1
		}
		return -1
	})
	return i
}

func hasSeries(m harness.Metrics, name, target, collector string) bool {
	for _, s := range m {
		if s.Name == name && s.Labels["target"] == target && s.Labels["collector"] == collector {
			return true
		}
	}
	return false
}

func writeConfig(t *testing.T, yml string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "scraper.yaml")
	if err := os.WriteFile(path, []byte(yml), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// waitUntil polls cond every 200 ms; it fails the test after timeout or
// when the scraper exits.
func waitUntil(t *testing.T, timeout time.Duration, p *harness.Proc, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if p.Exited() {
			t.Fatalf("scraper exited while waiting for %s", what)
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s after %s", what, timeout)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// instancesIn is the service.instance.id of every metrics resource in
// scraper --once output.
func instancesIn(out []byte) map[string]bool {
	seen := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		md, err := (&pmetric.JSONUnmarshaler{}).UnmarshalMetrics(sc.Bytes())
		if err != nil {
			continue
		}
		for _, rm := range md.ResourceMetrics().All() {
			id, _ := rm.Resource().Attributes().Get(contract.AttrServiceInstanceID)
			seen[id.Str()] = true
		}
	}
	return seen
}
