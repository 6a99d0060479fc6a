package main

import (
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dbintel/dbintel/internal/config"
	"github.com/dbintel/dbintel/internal/manifest"
)

// TestKubernetesManifestsMatchTheGateway renders deploy/kustomization.yaml
// and holds the gateway's StatefulSet to what the binary does with
// deploy/gateway.yaml under the manifest's environment: ports, probes,
// volumes, env names, memory.
func TestKubernetesManifestsMatchTheGateway(t *testing.T) {
	set, err := manifest.Render("../../deploy/kustomization.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := set.Add("../../deploy/kubernetes/secret.yaml"); err != nil {
		t.Fatal(err)
	}
	if len(set.StatefulSets) != 1 {
		t.Fatalf("want the gateway as the one StatefulSet, got %d", len(set.StatefulSets))
	}
	sts := set.StatefulSets[0]
	pod := sts.Spec.Template.Spec
	if len(pod.Containers) != 1 {
		t.Fatalf("want one container, got %d", len(pod.Containers))
	}
	c := pod.Containers[0]
	if sts.Spec.Replicas < 2 {
		t.Errorf("replicas %d: one replica has no failover", sts.Spec.Replicas)
	}

	// The config file: --config points into the ConfigMap made from deploy/gateway.yaml.
	cfgPath := argAfter(t, c.Args, "--config")
	vol, mount, ok := c.Mount(cfgPath)
	if !ok {
		t.Fatalf("--config %s is on no volume", cfgPath)
	}
	cm := volumeByName(pod.Volumes, vol).ConfigMap
	if cm == nil || set.ConfigMaps[cm.Name][filepath.Base(cfgPath)] == "" || filepath.Dir(cfgPath) != mount {
		t.Fatalf("--config %s is not a file of a generated ConfigMap", cfgPath)
	}
	yml, err := os.ReadFile(set.ConfigMaps[cm.Name][filepath.Base(cfgPath)])
	if err != nil {
		t.Fatal(err)
	}

	// Every variable set is one the config reads; secrets exist.
	env := map[string]string{}
	for _, e := range c.Env {
		if strings.HasPrefix(e.Name, "DBINTEL_") || e.Name == "NEW_RELIC_LICENSE_KEY" {
			if !strings.Contains(string(yml), "${env:"+e.Name) {
				t.Errorf("env %s is set but %s does not read it", e.Name, cfgPath)
			}
		}
		if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
			ref := e.ValueFrom.SecretKeyRef
			if !secretHas(set.Secrets, ref.Name, ref.Key) {
				t.Errorf("env %s reads secret %s key %s, which no manifest defines", e.Name, ref.Name, ref.Key)
			}
			continue // unset here: the no-key path, the one a fresh cluster takes
		}
		env[e.Name] = e.Value
	}

	// Paths: the queue is on the per-replica volume, the sink on a writable one.
	claims := map[string]bool{}
	for _, v := range sts.Spec.VolumeClaimTemplates {
		claims[v.Metadata.Name] = true
	}
	queueDir, sink := env["DBINTEL_QUEUE_DIR"], env["DBINTEL_SINK_FILE"]
	if v, _, ok := c.Mount(queueDir); queueDir == "" || !ok || !claims[v] {
		t.Errorf("DBINTEL_QUEUE_DIR %q is not on a volumeClaimTemplate", queueDir)
	}
	if v, _, ok := c.Mount(sink); !ok || (!claims[v] && volumeByName(pod.Volumes, v).EmptyDir == nil) {
		t.Errorf("DBINTEL_SINK_FILE %q is not on a writable volume (the root filesystem is read-only)", sink)
	}
	if pod.SecurityContext.FSGroup == 0 || !pod.SecurityContext.RunAsNonRoot {
		t.Error("a non-root pod needs fsGroup to write its volume")
	}

	// Load the real config with that environment; paths under the pod's
	// mounts are moved under a temp dir, since --validate checks them.
	root := t.TempDir()
	lookup := func(k string) (string, bool) {
		v, ok := env[k]
		if _, _, mounted := c.Mount(v); ok && mounted && strings.HasPrefix(v, "/") {
			v = filepath.Join(root, v)
		}
		return v, ok
	}
	cfg := defaultConfig()
	if err := config.Parse(yml, lookup, &cfg); err != nil {
		t.Fatalf("%s with the manifest's environment: %v", cfgPath, err)
	}

	wantPort := func(name, endpoint string, exposed bool) {
		t.Helper()
		host, port, err := net.SplitHostPort(endpoint)
		if err != nil {
			t.Errorf("%s endpoint %q: %v", name, endpoint, err)
			return
		}
		n, _ := strconv.Atoi(port)
		if got, ok := c.Port(name); !ok || got != n {
			t.Errorf("container port %s = %d, the gateway listens on %s", name, got, endpoint)
		}
		if exposed && host != "0.0.0.0" && host != "" {
			t.Errorf("%s listens on %s: not reachable from outside the pod", name, endpoint)
		}
	}
	wantPort("otlp-grpc", cfg.Receiver.GRPC.Endpoint, true)
	wantPort("otlp-http", cfg.Receiver.HTTP.Endpoint, true)
	wantPort("metrics", cfg.Telemetry.MetricsEndpoint, true)
	wantPort("health", cfg.Telemetry.HealthEndpoint, true)
	checkProbe(t, c, c.ReadinessProbe, "/readyz", cfg.Telemetry.HealthEndpoint)
	checkProbe(t, c, c.LivenessProbe, "/healthz", cfg.Telemetry.HealthEndpoint)

	// Memory: the Go runtime's hard limit fits in the container's with room.
	limit, err := manifest.MiB(c.Resources.Limits["memory"])
	if err != nil {
		t.Fatal(err)
	}
	ml := cfg.Pipeline.MemoryLimiter
	if float64(ml.HardLimitMiB)+128 > limit || ml.SoftLimitMiB >= ml.HardLimitMiB {
		t.Errorf("memory limit %v MiB, memory_limiter soft %d hard %d: want soft < hard <= limit-128", limit, ml.SoftLimitMiB, ml.HardLimitMiB)
	}
	shutdown, err := time.ParseDuration(argAfter(t, c.Args, "--shutdown-timeout"))
	if err != nil || time.Duration(pod.TerminationGracePeriodSeconds)*time.Second <= shutdown {
		t.Errorf("terminationGracePeriodSeconds %d must exceed --shutdown-timeout %v", pod.TerminationGracePeriodSeconds, shutdown)
	}

	// Services: headless for per-replica names, ClusterIP for senders; both
	// and the PDB select the pods; every target port exists.
	labels := sts.Spec.Template.Metadata.Labels
	var headless, clusterIP bool
	for _, svc := range set.Services {
		if !selects(svc.Spec.Selector, labels) {
			continue
		}
		for _, p := range svc.Spec.Ports {
			if got, ok := c.Port(p.TargetPort); !ok || got != p.Port {
				t.Errorf("service %s port %s: target %s is container port %d", svc.Metadata.Name, p.Name, p.TargetPort, got)
			}
		}
		switch {
		case svc.Spec.ClusterIP == "None" && svc.Metadata.Name == sts.Spec.ServiceName:
			headless = true
		case svc.Spec.ClusterIP == "" && hasPort(svc, "otlp-grpc") && hasPort(svc, "otlp-http"):
			clusterIP = true
		}
	}
	if !headless || !clusterIP {
		t.Errorf("want a headless Service named %q and a ClusterIP Service with both OTLP ports (headless %v, clusterIP %v)", sts.Spec.ServiceName, headless, clusterIP)
	}
	if len(set.PDBs) != 1 || !selects(set.PDBs[0].Spec.Selector.MatchLabels, labels) {
		t.Error("want a PodDisruptionBudget selecting the gateway pods")
	}
}

// checkProbe: an HTTP GET on path at the health endpoint's port.
func checkProbe(t *testing.T, c manifest.Container, p *manifest.Probe, path, endpoint string) {
	t.Helper()
	_, port, _ := net.SplitHostPort(endpoint)
	if p == nil || p.HTTPGet == nil || p.HTTPGet.Path != path {
		t.Errorf("container %s: want an httpGet probe on %s", c.Name, path)
		return
	}
	if got, ok := c.Port(p.HTTPGet.Port); !ok || strconv.Itoa(got) != port {
		t.Errorf("container %s: probe %s on port %s (%d), health listens on %s", c.Name, path, p.HTTPGet.Port, got, endpoint)
	}
}

func argAfter(t *testing.T, args []string, flag string) string {
	t.Helper()
	i := slices.Index(args, flag)
	if i < 0 || i+1 >= len(args) {
		t.Fatalf("args %v lack %s", args, flag)
	}
	return args[i+1]
}

func volumeByName(vs []manifest.Volume, name string) manifest.Volume {
	for _, v := range vs {
		if v.Name == name {
			return v
		}
	}
	return manifest.Volume{}
}

func secretHas(secrets []manifest.Secret, name, key string) bool {
	for _, s := range secrets {
		if s.Metadata.Name == name {
			_, a := s.StringData[key]
			_, b := s.Data[key]
			return a || b
		}
	}
	return false
}

func selects(selector, labels map[string]string) bool {
	for k, v := range selector {
		if labels[k] != v {
			return false
		}
	}
	return len(selector) > 0
}

func hasPort(svc manifest.Service, name string) bool {
	return slices.ContainsFunc(svc.Spec.Ports, func(p manifest.ServicePort) bool { return p.Name == name })
}

// TestContainerImageState: the Dockerfile's variables are ones
// deploy/gateway.yaml reads, and its paths are on the image's volume.
func TestContainerImageState(t *testing.T) {
	data, err := os.ReadFile("../../deploy/container/Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	yml, err := os.ReadFile("../../deploy/gateway.yaml")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.ReplaceAll(string(data), "\\\n", " ")
	var volume string
	env := map[string]string{}
	for _, line := range strings.Split(text, "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) == 2 && f[0] == "VOLUME":
			volume = f[1]
		case len(f) > 1 && f[0] == "ENV":
			for _, kv := range f[1:] {
				k, v, _ := strings.Cut(kv, "=")
				env[k] = v
			}
		}
	}
	if volume == "" || !strings.Contains(text, "--chown=65532:65532 /out/state "+volume) {
		t.Fatalf("want a VOLUME owned by the nonroot user, got %q", volume)
	}
	for _, k := range []string{"DBINTEL_QUEUE_DIR", "DBINTEL_SINK_FILE"} {
		if !strings.Contains(string(yml), "${env:"+k) || !strings.HasPrefix(env[k], volume+"/") {
			t.Errorf("ENV %s=%q: want a variable gateway.yaml reads, under VOLUME %s", k, env[k], volume)
		}
	}
}
