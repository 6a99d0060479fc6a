package main

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/dbintel/dbintel/internal/config"
	"github.com/dbintel/dbintel/internal/manifest"
)

// TestKubernetesScraperExamples holds deploy/kubernetes/scraper-*.yaml to
// what the scraper does with deploy/scraper.yaml under each container's
// environment, and their gateways: list to the gateway StatefulSet.
func TestKubernetesScraperExamples(t *testing.T) {
	set, err := manifest.Render("../../deploy/kustomization.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(set.StatefulSets) != 1 {
		t.Fatalf("want the gateway StatefulSet alone in the kustomization, got %d", len(set.StatefulSets))
	}
	gw := set.StatefulSets[0]
	grpcPort := 0
	for _, p := range gw.Spec.Template.Spec.Containers[0].Ports {
		if p.Name == "otlp-grpc" {
			grpcPort = p.ContainerPort
		}
	}
	var replicas []string
	for i := range gw.Spec.Replicas {
		replicas = append(replicas, fmt.Sprintf("%s-%d.%s.%s.svc:%d", gw.Metadata.Name, i, gw.Spec.ServiceName, gw.Metadata.Namespace, grpcPort))
	}

	files, _ := filepath.Glob("../../deploy/kubernetes/scraper-*.yaml")
	if len(files) < 2 {
		t.Fatalf("want the sidecar and the Deployment examples, found %v", files)
	}
	scrapers := 0
	for _, f := range files {
		if err := set.Add(f); err != nil {
			t.Fatal(err)
		}
	}
	var pods []manifest.PodTemplate
	for _, d := range set.Deployments {
		pods = append(pods, d.Spec.Template)
	}
	for _, s := range set.StatefulSets[1:] {
		pods = append(pods, s.Spec.Template)
	}
	for _, pod := range pods {
		ports := map[int]string{}
		for _, c := range pod.Spec.Containers {
			for _, p := range c.Ports {
				if other, dup := ports[p.ContainerPort]; dup {
					t.Errorf("pod %s: port %d used by %s and %s", pod.Metadata.Labels, p.ContainerPort, other, c.Name)
				}
				ports[p.ContainerPort] = c.Name
			}
			if !strings.HasPrefix(c.Image, "dbintel/scraper") {
				continue
			}
			scrapers++
			checkScraper(t, set, pod, c, replicas)
		}
	}
	if scrapers < 3 {
		t.Errorf("found %d scraper containers, want the sidecar and two in the Deployment", scrapers)
	}
}

func checkScraper(t *testing.T, set *manifest.Set, pod manifest.PodTemplate, c manifest.Container, replicas []string) {
	t.Helper()
	i := slices.Index(c.Args, "--config")
	if i < 0 || i+1 >= len(c.Args) {
		t.Fatalf("%s: no --config", c.Name)
	}
	cfgPath := c.Args[i+1]
	vol, mount, ok := c.Mount(cfgPath)
	var file string
	for _, v := range pod.Spec.Volumes {
		if ok && v.Name == vol && v.ConfigMap != nil && mount == filepath.Dir(cfgPath) {
			file = set.ConfigMaps[v.ConfigMap.Name][filepath.Base(cfgPath)]
		}
	}
	if file == "" || filepath.Base(file) != "scraper.yaml" {
		t.Fatalf("%s: --config %s is not deploy/scraper.yaml from a generated ConfigMap", c.Name, cfgPath)
	}
	yml, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	samples := map[string]string{"DBINTEL_POSTGRES_DSN": "postgres://u@127.0.0.1:5432/postgres", "DBINTEL_MYSQL_DSN": "u:p@tcp(127.0.0.1:3306)/"}
	env := map[string]string{}
	for _, e := range c.Env {
		if strings.HasPrefix(e.Name, "DBINTEL_") && !strings.Contains(string(yml), "${env:"+e.Name) {
			t.Errorf("%s: env %s is set but deploy/scraper.yaml does not read it", c.Name, e.Name)
		}
		env[e.Name] = e.Value
		if e.ValueFrom != nil {
			env[e.Name] = samples[e.Name]
		}
	}
	if got := strings.Split(env["DBINTEL_GATEWAYS"], ","); !slices.Equal(got, replicas) {
		t.Errorf("%s: DBINTEL_GATEWAYS %q, want the gateway replicas %q", c.Name, got, replicas)
	}
	cfg := defaultConfig()
	if err := config.Parse(yml, func(k string) (string, bool) { v, ok := env[k]; return v, ok }, &cfg); err != nil {
		t.Fatalf("%s: deploy/scraper.yaml with its environment: %v", c.Name, err)
	}
	host, port, _ := net.SplitHostPort(cfg.Telemetry.HealthEndpoint)
	if host != "0.0.0.0" {
		t.Errorf("%s: health on %s is out of the kubelet's reach", c.Name, cfg.Telemetry.HealthEndpoint)
	}
	for path, p := range map[string]*manifest.Probe{"/readyz": c.ReadinessProbe, "/healthz": c.LivenessProbe} {
		if p == nil || p.HTTPGet == nil || p.HTTPGet.Path != path {
			t.Errorf("%s: want an httpGet probe on %s", c.Name, path)
			continue
		}
		if got, ok := c.Port(p.HTTPGet.Port); !ok || strconv.Itoa(got) != port {
			t.Errorf("%s: probe %s on %s, health listens on %s", c.Name, path, p.HTTPGet.Port, cfg.Telemetry.HealthEndpoint)
		}
	}
	if pod.Spec.TerminationGracePeriodSeconds <= 15 {
		t.Errorf("%s: terminationGracePeriodSeconds %d must exceed the 15 s shutdown timeout", c.Name, pod.Spec.TerminationGracePeriodSeconds)
	}
}
