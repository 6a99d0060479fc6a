package manifest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRenderDeploy(t *testing.T) {
	s, err := Render("../../deploy/kustomization.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(s.StatefulSets) != 1 || len(s.Services) != 2 || len(s.PDBs) != 1 || len(s.Namespaces) != 1 {
		t.Fatalf("rendered %d StatefulSets, %d Services, %d PDBs, %d Namespaces", len(s.StatefulSets), len(s.Services), len(s.PDBs), len(s.Namespaces))
	}
	if s.StatefulSets[0].Metadata.Namespace != "dbintel" {
		t.Errorf("namespace not applied: %q", s.StatefulSets[0].Metadata.Namespace)
	}
	if s.ConfigMaps["dbintel-gateway-config"]["gateway.yaml"] == "" {
		t.Errorf("configMapGenerator: %v", s.ConfigMaps)
	}
}

// Strict decoding is the point: each of these is dropped or refused by the
// API server and would otherwise pass unnoticed.
func TestStrictDecodingCatchesMistakes(t *testing.T) {
	base, err := os.ReadFile("../../deploy/kubernetes/gateway.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for name, edit := range map[string][2]string{
		"misspelt field":       {"readinessProbe:", "readinesProbe:"},
		"wrong apiVersion":     {"apiVersion: policy/v1", "apiVersion: policy/v1beta2"},
		"field at wrong level": {"      terminationGracePeriodSeconds: 40", "      terminationGracePeriodSeconds: 40\n      replicas: 3"},
		"a list as a string":   {`args: ["--config"`, `args: "--config" #`},
	} {
		if !strings.Contains(string(base), edit[0]) {
			t.Fatalf("%s: %q not in the manifest", name, edit[0])
		}
		path := filepath.Join(t.TempDir(), "g.yaml")
		if err := os.WriteFile(path, []byte(strings.Replace(string(base), edit[0], edit[1], 1)), 0o600); err != nil {
			t.Fatal(err)
		}
		s := &Set{Namespace: "x"}
		if err := s.Add(path); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestMiB(t *testing.T) {
	for q, want := range map[string]float64{"1Gi": 1024, "800Mi": 800, "1048576": 1, "512Ki": 0.5} {
		if got, err := MiB(q); err != nil || got != want {
			t.Errorf("MiB(%q) = %v, %v", q, got, err)
		}
	}
	if _, err := MiB("1G"); err == nil {
		t.Error("1G (decimal) must be refused: the limits are binary")
	}
}
