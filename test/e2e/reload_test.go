package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dbintel/dbintel/test/fakebackend"
	"github.com/dbintel/dbintel/test/harness"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// TestSIGHUPReloadsPipelineRules changes an enrichment rule in the config
// file and sends SIGHUP: data sent afterwards carries the new value, data
// sent before kept the old one, nothing is lost, and a broken file on a
// later SIGHUP leaves the running pipeline in place.
func TestSIGHUPReloadsPipelineRules(t *testing.T) {
	backend := fakebackend.Start(t)
	base, err := os.ReadFile(filepath.Join(harness.Root(), "deploy", "gateway.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	withEnv := func(value string) []byte {
		return []byte(strings.Replace(string(base), "    resource: []", "    resource: [{action: upsert, key: deployment.environment.name, value: "+value+"}]", 1))
	}
	if !strings.Contains(string(withEnv("x")), "value: x") {
		t.Fatal("deploy/gateway.yaml has no pipeline.enrich section to extend")
	}
	cfgPath := filepath.Join(t.TempDir(), "gateway.yaml")
	if err := os.WriteFile(cfgPath, withEnv("before"), 0o600); err != nil {
		t.Fatal(err)
	}
	gw := harness.StartGateway(t, harness.GatewayEnv(t, map[string]string{"DBINTEL_FORWARD_ENDPOINT": backend.GRPCAddr(), "NEW_RELIC_LICENSE_KEY": licenseKey}), cfgPath)

	conn, err := grpc.NewClient(gw.GRPC, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	client := plogotlp.NewGRPCClient(conn)
	send := func(body string) {
		t.Helper()
		ld := plog.NewLogs()
		rl := ld.ResourceLogs().AppendEmpty()
		rl.Resource().Attributes().PutStr("service.name", "reload-test")
		rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty().Body().SetStr(body)
		if _, err := client.Export(context.Background(), plogotlp.NewExportRequestFromLogs(ld)); err != nil {
			t.Fatalf("export %q: %v", body, err)
		}
	}

	send("first")
	if err := os.WriteFile(cfgPath, withEnv("after"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := gw.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitForOutput(t, gw.Proc, "reload: pipeline stages rebuilt")
	send("second")
	if err := os.WriteFile(cfgPath, []byte("pipeline: {sample: {budget: {min_rate: 7}}}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := gw.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitForOutput(t, gw.Proc, "reload: config rejected")
	send("third")

	backend.WaitForItems(t, 3, 20*time.Second)
	got := map[string]string{}
	for _, ld := range backend.Logs() {
		for i := 0; i < ld.ResourceLogs().Len(); i++ {
			rl := ld.ResourceLogs().At(i)
			env, _ := rl.Resource().Attributes().Get("deployment.environment.name")
			recs := rl.ScopeLogs().At(0).LogRecords()
			for j := 0; j < recs.Len(); j++ {
				got[recs.At(j).Body().Str()] = env.AsString()
			}
		}
	}
	want := map[string]string{"first": "before", "second": "after", "third": "after"}
	for body, env := range want {
		if got[body] != env {
			t.Errorf("record %q arrived with environment %q, want %q (all: %v)", body, got[body], env, got)
		}
	}
}

func waitForOutput(t *testing.T, p *harness.Proc, text string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !strings.Contains(p.Output(), text) {
		if time.Now().After(deadline) {
			t.Fatalf("the process never logged %q", text)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
