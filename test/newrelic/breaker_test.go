package newrelic

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dbintel/dbintel/test/harness"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.yaml.in/yaml/v3"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// floodingGatewayConfig is deploy/gateway.yaml with a breaker that trips
// within a second and a sampler that lets everything through to it.
func floodingGatewayConfig(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(harness.Root(), "deploy", "gateway.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var cfg map[string]any
	if err := yaml.Unmarshal(b, &cfg); err != nil {
		t.Fatal(err)
	}
	for path, v := range map[string]any{
		"pipeline.breaker.volume_per_minute": 600, "pipeline.breaker.interval": "1s",
		"pipeline.breaker.open_timeout": "2s", "pipeline.breaker.healthy_intervals": 1,
		"pipeline.sample.budget.per_minute": 0, "pipeline.sample.dedup.window": "0s",
	} {
		setYAML(t, cfg, path, v)
	}
	out, err := yaml.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "gateway.yaml")
	if err := os.WriteFile(path, out, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// setYAML replaces the value at a dotted path that must exist.
func setYAML(t *testing.T, cfg map[string]any, path string, v any) {
	t.Helper()
	keys := strings.Split(path, ".")
	m := cfg
	for _, k := range keys[:len(keys)-1] {
		next, ok := m[k].(map[string]any)
		if !ok {
			t.Fatalf("config has no %s", path)
		}
		m = next
	}
	if _, ok := m[keys[len(keys)-1]]; !ok {
		t.Fatalf("config has no %s", path)
	}
	m[keys[len(keys)-1]] = v
}

// floodBreaker sends a burst of query-level events from one application
// (not a database: it creates no entity) through a gateway until its
// breaker opens, then a trickle until ctx ends, so dbintel.breaker events
// reach the backend.
func floodBreaker(ctx context.Context, t *testing.T, addr string, wg *sync.WaitGroup) {
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	client := plogotlp.NewGRPCClient(conn)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for round := 0; ctx.Err() == nil; round++ {
			n := 1
			if round < 8 {
				n = 250 // 500 per second against a budget of 10
			}
			ld := plog.NewLogs()
			rl := ld.ResourceLogs().AppendEmpty()
			rl.Resource().Attributes().PutStr("service.name", "flood-app")
			recs := rl.ScopeLogs().AppendEmpty().LogRecords()
			for i := range n {
				lr := recs.AppendEmpty()
				lr.SetEventName("db.server.top_query")
				lr.SetTimestamp(pcommon.NewTimestampFromTime(time.Now()))
				lr.Attributes().PutStr("postgresql.queryid", fmt.Sprintf("%d-%d", round, i))
			}
			if _, err := client.Export(ctx, plogotlp.NewExportRequestFromLogs(ld)); err != nil && ctx.Err() == nil {
				t.Errorf("flood: %v", err)
				return
			}
			select {
			case <-ctx.Done():
			case <-time.After(500 * time.Millisecond):
			}
		}
	}()
}
