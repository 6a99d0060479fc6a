package scrape

import (
	"maps"
	"unicode"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/dbintel/dbintel/internal/config"
)

// MaxTargets bounds the servers one scraper scrapes: each costs a connection
// and a goroutine per collector, and its name is a label value of every
// self-metric, so the label set stays bounded by the config.
const MaxTargets = 1000

// maxTargetName bounds a target name, which is a metric label value.
const maxTargetName = 128

// TargetConfig is what every entry of `targets:` has, whatever its database
// kind; the kind's own section sits beside it (see Section).
type TargetConfig struct {
	// Name tells the target apart in self-metrics (label target) and logs;
	// empty means the server's host:port.
	Name string `yaml:"name"`
	// Labels are this target's extra resource attributes, added to (and
	// overriding) scrape.labels.
	Labels map[string]string `yaml:"labels"`
}

// MergedLabels is shared overlaid with own, in a new map.
func MergedLabels(shared, own map[string]string) map[string]string {
	out := maps.Clone(shared)
	if out == nil {
		out = map[string]string{}
	}
	maps.Copy(out, own)
	return out
}

// ValidateLabels reports empty and reserved label names at path.
func ValidateLabels(p *config.Problems, path string, labels map[string]string) {
	for k := range labels {
		if k == "" {
			p.Add(path, "empty label name")
		}
		if reservedAttrs[k] {
			p.Add(config.Join(path, k), "%s is set by the scraper and cannot be a label", k)
		}
	}
}

// ValidateTargetName checks a name (given, or the host:port it defaults to)
// can be a metric label value: printable UTF-8, at most 128 bytes.
func ValidateTargetName(p *config.Problems, path, name string) {
	if name == "" || len(name) > maxTargetName || !utf8.ValidString(name) {
		p.Add(path, "must be 1 to %d bytes of UTF-8 (it labels the self-metrics)", maxTargetName)
		return
	}
	for _, r := range name {
		if !unicode.IsPrint(r) {
			p.Add(path, "must be printable (it labels the self-metrics)")
			return
		}
	}
}

// Section is the database section of one target (`postgres:` or `mysql:`)
// whose keys are read over the shared defaults of its kind (the top-level
// section of the same name). A YAML document decodes in file order, so
// those defaults may come later: the section keeps its node and Over
// decodes it once everything is read.
//
// Value holds the section decoded over zero values; it exists so that the
// strict decoder checks the section's keys and types (unknown keys and type
// errors are reported at their lines with the rest of the file), and
// inline so the key check sees T's keys.
type Section[T any] struct {
	Value   T `yaml:",inline"`
	node    *yaml.Node
	invalid bool // the decoder reported its problems
}

// UnmarshalYAML uses the function form, which decodes with the calling
// decoder and so keeps its strictness (unknown keys) and line numbers.
func (s *Section[T]) UnmarshalYAML(unmarshal func(any) error) error {
	var c nodeCapture
	if err := unmarshal(&c); err != nil {
		return err
	}
	s.node = c.node
	err := unmarshal(&s.Value)
	s.invalid = err != nil
	return err
}

// nodeCapture keeps the node it is decoded from.
type nodeCapture struct{ node *yaml.Node }

func (c *nodeCapture) UnmarshalYAML(n *yaml.Node) error {
	c.node = n
	return nil
}

// IsSet reports whether the section is in the file.
func (s Section[T]) IsSet() bool { return s.node != nil }

// Invalid reports whether the section's keys or types were wrong; the
// decoder has reported where.
func (s Section[T]) Invalid() bool { return s.invalid }

// Over returns defaults with the section's keys decoded over it. defaults
// must be the caller's own copy: maps in it are written to. ok is false for
// an Invalid section, or (unexpectedly: it decoded once already) when the
// decoding fails; no error is returned, it could quote a secret.
func (s Section[T]) Over(defaults T) (_ T, ok bool) {
	if s.node == nil {
		return defaults, true
	}
	if s.invalid || s.node.Decode(&defaults) != nil {
		return defaults, false
	}
	return defaults, true
}
