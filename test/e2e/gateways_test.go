package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dbintel/dbintel/test/fakebackend"
	"github.com/dbintel/dbintel/test/harness"
	"github.com/dbintel/dbintel/test/pgtest"
)

// TestScraperFailsOverWhenItsGatewayDies: a scraper with two gateways sends
// a database server to one of them; when that gateway is killed, the
// server's metrics keep arriving through the other.
func TestScraperFailsOverWhenItsGatewayDies(t *testing.T) {
	pg := pgtest.Start(t)
	backend := fakebackend.Start(t)
	env := map[string]string{"DBINTEL_FORWARD_ENDPOINT": backend.GRPCAddr(), "NEW_RELIC_LICENSE_KEY": licenseKey}
	gws := []*harness.Gateway{
		harness.StartGateway(t, harness.GatewayEnv(t, env), ""),
		harness.StartGateway(t, harness.GatewayEnv(t, env), ""),
	}

	base, err := os.ReadFile(filepath.Join(harness.Root(), "deploy", "scraper.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := strings.Replace(string(base), "  collection_interval: 10s             # server/database metrics", "  collection_interval: 5s", 1)
	cfg = strings.Replace(cfg, "    initial_interval: 1s", "    initial_interval: 100ms", 1)
	path := filepath.Join(t.TempDir(), "scraper.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	scraper := harness.Start(t, harness.Binary(t, "scraper"), map[string]string{
		"DBINTEL_POSTGRES_DSN":             pg.DSN(),
		"DBINTEL_GATEWAYS":                 gws[0].GRPC + "," + gws[1].GRPC,
		"DBINTEL_SCRAPER_METRICS_ENDPOINT": harness.FreeAddr(t),
		"DBINTEL_SCRAPER_HEALTH_ENDPOINT":  harness.FreeAddr(t),
	}, "--config", path)

	received := func(g *harness.Gateway) float64 {
		return harness.ScrapeMetrics(t, g.Metrics).Sum("dbintel_receiver_items_received_total")
	}
	owner := -1
	deadline := time.Now().Add(30 * time.Second)
	for owner < 0 {
		if time.Now().After(deadline) || scraper.Exited() {
			t.Fatal("no gateway received the scraper's data")
		}
		time.Sleep(200 * time.Millisecond)
		r0, r1 := received(gws[0]), received(gws[1])
		switch {
		case r0 > 0 && r1 > 0:
			t.Fatalf("one database server went to both gateways (%v and %v items)", r0, r1)
		case r0 > 0:
			owner = 0
		case r1 > 0:
			owner = 1
		}
	}
	other := gws[1-owner]
	gws[owner].Kill()
	before := backend.Items()

	deadline = time.Now().Add(45 * time.Second)
	for received(other) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("after its gateway died, the server's data never went to the other gateway")
		}
		time.Sleep(200 * time.Millisecond)
	}
	backend.WaitForItems(t, before+1, 20*time.Second)
}
