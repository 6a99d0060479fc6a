// Package manifest renders deploy/kustomization.yaml offline, the way
// `kubectl kustomize` would for the features it uses (namespace, resources,
// configMapGenerator), and decodes each object strictly into the subset of
// the Kubernetes API types in types.go, so tests can hold the manifests to
// the binaries' defaults and configs.
package manifest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"go.yaml.in/yaml/v3"
)

// Kustomization is the part of kustomize's file dbintel uses.
type Kustomization struct {
	Namespace          string   `yaml:"namespace"`
	Resources          []string `yaml:"resources"`
	ConfigMapGenerator []struct {
		Name  string   `yaml:"name"`
		Files []string `yaml:"files"`
	} `yaml:"configMapGenerator"`
}

// Set is a rendered kustomization: its objects by kind, and each generated
// ConfigMap's files (key → path on disk).
type Set struct {
	Namespace    string
	ConfigMaps   map[string]map[string]string
	Namespaces   []Namespace
	Secrets      []Secret
	Services     []Service
	StatefulSets []StatefulSet
	Deployments  []Deployment
	PDBs         []PodDisruptionBudget
}

// Render reads the kustomization file and every resource it lists.
func Render(kustomization string) (*Set, error) {
	var k Kustomization
	if err := decodeFile(kustomization, &k); err != nil {
		return nil, err
	}
	dir := filepath.Dir(kustomization)
	s := &Set{Namespace: k.Namespace, ConfigMaps: map[string]map[string]string{}}
	for _, g := range k.ConfigMapGenerator {
		files := map[string]string{}
		for _, f := range g.Files {
			path := filepath.Join(dir, f)
			if _, err := os.Stat(path); err != nil {
				return nil, fmt.Errorf("configMapGenerator %s: %w", g.Name, err)
			}
			files[filepath.Base(f)] = path
		}
		s.ConfigMaps[g.Name] = files
	}
	for _, r := range k.Resources {
		if err := s.Add(filepath.Join(dir, r)); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Add decodes every object of a multi-document YAML file into the set,
// in the kustomization's namespace unless the object names its own.
func (s *Set) Add(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for i := 0; ; i++ {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		if err := s.addDoc(&doc); err != nil {
			return fmt.Errorf("%s document %d: %w", path, i+1, err)
		}
	}
}

func (s *Set) addDoc(doc *yaml.Node) error {
	var h Header
	if err := doc.Decode(&h); err != nil {
		return err
	}
	if h.Metadata.Name == "" {
		return errors.New("metadata.name is missing")
	}
	want := map[string]string{"Namespace": "v1", "Secret": "v1", "Service": "v1", "StatefulSet": "apps/v1",
		"Deployment": "apps/v1", "PodDisruptionBudget": "policy/v1"}[h.Kind]
	if want == "" || h.APIVersion != want {
		return fmt.Errorf("%s %s: unexpected kind or apiVersion %q", h.Kind, h.Metadata.Name, h.APIVersion)
	}
	ns := func(m *Meta) {
		if m.Namespace == "" && h.Kind != "Namespace" {
			m.Namespace = s.Namespace
		}
	}
	switch h.Kind {
	case "Namespace":
		return strict(doc, &s.Namespaces, ns)
	case "Secret":
		return strict(doc, &s.Secrets, ns)
	case "Service":
		return strict(doc, &s.Services, ns)
	case "StatefulSet":
		return strict(doc, &s.StatefulSets, ns)
	case "Deployment":
		return strict(doc, &s.Deployments, ns)
	default:
		return strict(doc, &s.PDBs, ns)
	}
}

// metaOf lets strict set the namespace on any object type.
type metaOf interface{ meta() *Meta }

func (h *Header) meta() *Meta { return &h.Metadata }

// strict decodes doc into a new element of list, refusing unknown fields.
func strict[T any, PT interface {
	*T
	metaOf
}](doc *yaml.Node, list *[]T, ns func(*Meta)) error {
	out, err := yaml.Marshal(doc)
	if err != nil {
		return err
	}
	dec := yaml.NewDecoder(bytes.NewReader(out))
	dec.KnownFields(true)
	var v T
	if err := dec.Decode(&v); err != nil {
		return err
	}
	ns(PT(&v).meta())
	*list = append(*list, v)
	return nil
}

func decodeFile(path string, dst any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(dst); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}
