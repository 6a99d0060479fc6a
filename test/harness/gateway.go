package harness

import (
	"path/filepath"
	"testing"
	"time"
)

// Gateway is a running gateway binary on free loopback ports.
type Gateway struct {
	*Proc
	GRPC, HTTP, Metrics, Health string
}

// GatewayEnv returns the environment deploy/gateway.yaml reads, with every
// listener on a free loopback port; extra entries override.
func GatewayEnv(t testing.TB, extra map[string]string) map[string]string {
	env := map[string]string{
		"DBINTEL_GRPC_ENDPOINT":    FreeAddr(t),
		"DBINTEL_HTTP_ENDPOINT":    FreeAddr(t),
		"DBINTEL_METRICS_ENDPOINT": FreeAddr(t),
		"DBINTEL_HEALTH_ENDPOINT":  FreeAddr(t),
		"DBINTEL_STATUS_ENDPOINT":  FreeAddr(t),
		"DBINTEL_PPROF_ENDPOINT":   FreeAddr(t), // empty would mean the default port
		"DBINTEL_SINK_FILE":        filepath.Join(t.TempDir(), "sink.jsonl"),
		"DBINTEL_FORWARD_INSECURE": "true",
		"NEW_RELIC_LICENSE_KEY":    "",
	}
	for k, v := range extra {
		env[k] = v
	}
	return env
}

// StartGateway runs the gateway with deploy/gateway.yaml (or config, if
// given) and env, and waits until /healthz answers.
func StartGateway(t testing.TB, env map[string]string, config string) *Gateway {
	t.Helper()
	if config == "" {
		config = "deploy/gateway.yaml"
	}
	p := Start(t, Binary(t, "gateway"), env, "--config", config, "--shutdown-timeout", "10s")
	g := &Gateway{Proc: p, GRPC: env["DBINTEL_GRPC_ENDPOINT"], HTTP: env["DBINTEL_HTTP_ENDPOINT"],
		Metrics: "http://" + env["DBINTEL_METRICS_ENDPOINT"] + "/metrics", Health: "http://" + env["DBINTEL_HEALTH_ENDPOINT"]}
	WaitHTTP(t, g.Health+"/readyz", 20*time.Second)
	return g
}
