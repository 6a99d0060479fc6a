package main

import (
	"os"
	"testing"

	"github.com/dbintel/dbintel/internal/config"
)

// deploy/gateway.yaml says an empty DBINTEL_PPROF_ENDPOINT (and the
// metrics and status ones) switches the listener off; unset keeps the
// loopback default.
func TestEmptyEnvSwitchesListenersOff(t *testing.T) {
	data, err := os.ReadFile("../../deploy/gateway.yaml")
	if err != nil {
		t.Fatal(err)
	}
	load := func(m map[string]string) Config {
		t.Helper()
		m["DBINTEL_SINK_FILE"] = t.TempDir() + "/sink.jsonl"
		cfg := defaultConfig()
		if err := config.Parse(data, env(m), &cfg); err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	off := load(map[string]string{"DBINTEL_PPROF_ENDPOINT": "", "DBINTEL_METRICS_ENDPOINT": "", "DBINTEL_STATUS_ENDPOINT": ""}).Telemetry
	if off.PprofEndpoint != "" || off.MetricsEndpoint != "" || off.StatusEndpoint != "" {
		t.Errorf("empty values must switch off: %+v", off)
	}
	on := load(map[string]string{}).Telemetry
	if on.PprofEndpoint != "127.0.0.1:1777" || on.MetricsEndpoint != "127.0.0.1:8888" || on.StatusEndpoint != "127.0.0.1:55679" {
		t.Errorf("unset values must keep the loopback defaults: %+v", on)
	}
	// ":-" keeps the shell's meaning where empty is no useful value.
	if grpc := load(map[string]string{"DBINTEL_GRPC_ENDPOINT": ""}).Receiver.GRPC.Endpoint; grpc != "0.0.0.0:4317" {
		t.Errorf("empty DBINTEL_GRPC_ENDPOINT: %q, want the default", grpc)
	}
}
