// Package config loads the YAML configuration of both binaries: ${env:NAME}
// expansion, strict decoding over a struct pre-filled with defaults, and
// validation problems reported with their YAML path.
//
// It lives in internal/ because every package's Config type uses Secret and
// Problems, and both binaries load files the same way; it is not a public API.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"reflect"
	"regexp"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Validator is implemented by config structs; Validate returns every problem
// found (a Problems value), with paths relative to the struct.
type Validator interface {
	Validate() error
}

var envRef = regexp.MustCompile(`\$\{env:([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)([^}]*))?\}`)

// ExpandEnv replaces ${env:NAME} in s. As in the shell, ${env:NAME:-default}
// takes the default when NAME is unset or empty, ${env:NAME-default} only
// when it is unset (so NAME= can switch a listener off). An unset variable
// without a default is an error: a silently empty API key or DSN is worse
// than refusing to start.
func ExpandEnv(s string, lookup func(string) (string, bool)) (string, error) {
	var missing []string
	out := envRef.ReplaceAllStringFunc(s, func(ref string) string {
		m := envRef.FindStringSubmatch(ref)
		v, ok := lookup(m[1])
		switch {
		case ok && (v != "" || m[2] != ":-"):
			return v
		case m[2] != "":
			return m[3]
		}
		missing = append(missing, m[1])
		return ""
	})
	if len(missing) > 0 {
		return "", fmt.Errorf("environment variable %s is not set (use ${env:%s:-default} for an optional value)", strings.Join(missing, ", "), missing[0])
	}
	return out, nil
}

// Load reads the YAML file at path into dst, which must already hold the
// defaults. Unknown keys are errors. If dst implements Validator, its
// problems are returned too.
func Load(path string, dst any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	return Parse(data, os.LookupEnv, dst)
}

// Parse is Load on bytes with an injectable environment, for tests. Every
// problem is reported at once: unset variables, unknown keys, wrong types and
// what Validate finds in the rest, each with its YAML path and line.
func Parse(data []byte, lookup func(string) (string, bool), dst any) error {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	if root.Kind == 0 { // empty document: defaults only
		return validate(dst)
	}
	// Expand inside scalar values rather than in the raw text, so a secret
	// containing ':' or '#' cannot change the YAML structure.
	var problems Problems
	var values []string
	expandNode(&root, "", lookup, &problems, &values)
	expanded, err := yaml.Marshal(&root)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	unknown := unknownKeys(&root, reflect.TypeOf(dst))
	problems = append(problems, unknown...)
	dec := yaml.NewDecoder(bytes.NewReader(expanded))
	dec.KnownFields(true)
	if err := dec.Decode(dst); err != nil {
		decoded, err := decodeError(err, expanded, &root, values, unknown)
		if err != nil {
			return err
		}
		problems = append(problems, decoded...)
	}
	// What decoded is validated too, except where a problem is already known.
	var checked Problems
	if err := validate(dst); err != nil {
		if !errors.As(err, &checked) {
			checked = Problems{{Msg: err.Error()}}
		}
	}
	known := map[string]bool{}
	for _, q := range problems {
		known[q.Path] = true
	}
	lines := keyLines(&root)
	for _, q := range checked {
		if !known[q.Path] {
			if q.Line == 0 {
				q.Line = lines[q.Path]
			}
			problems = append(problems, q)
		}
	}
	sort.SliceStable(problems, func(i, j int) bool { return lineOrder(problems[i]) < lineOrder(problems[j]) })
	return problems.Err()
}

// lineOrder sorts problems by line, those without one last.
func lineOrder(p Problem) int {
	if p.Line == 0 {
		return math.MaxInt
	}
	return p.Line
}

// validate runs dst's Validate with every Secret's value masked out of the
// messages.
func validate(dst any) error {
	if v, ok := dst.(Validator); ok {
		return redactSecrets(v.Validate(), dst)
	}
	return nil
}

// expandNode expands ${env:...} in every scalar value and records each
// expanded value, so no error can repeat it.
func expandNode(n *yaml.Node, path string, lookup func(string) (string, bool), problems *Problems, values *[]string) {
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			expandNode(c, path, lookup, problems, values)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			expandNode(n.Content[i+1], Join(path, n.Content[i].Value), lookup, problems, values)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			expandNode(c, fmt.Sprintf("%s[%d]", path, i), lookup, problems, values)
		}
	case yaml.ScalarNode:
		if !strings.Contains(n.Value, "${env:") {
			return
		}
		v, err := ExpandEnv(n.Value, lookup)
		if err != nil {
			*problems = append(*problems, Problem{Path: path, Line: n.Line, Msg: err.Error()})
			// null keeps the default, so the rest still decodes and validates.
			n.Value, n.Tag, n.Style = "null", "!!null", 0
			return
		}
		n.Value = v
		*values = append(*values, v)
		// An expanded value is data, never YAML: keep "true" or "10s" typed as
		// the target field wants, but let an empty value be an empty string.
		n.Style = 0
		switch {
		case v == "":
			// A plain empty scalar would be null, which keeps the default.
			n.Tag, n.Style = "!!str", yaml.DoubleQuotedStyle
		case n.Tag == "!!str":
			n.Tag = ""
		}
	}
}

// Join builds a YAML path ("forward.queue.dir").
func Join(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}

// Problem is one validation failure at a YAML path; Line is its line in the
// user's file, 0 when the value is a default the file does not set.
type Problem struct {
	Path string
	Line int
	Msg  string
}

// Problems collects every validation failure so a user fixes them in one go.
type Problems []Problem

// Add records a problem at path.
func (p *Problems) Add(path, format string, args ...any) {
	*p = append(*p, Problem{Path: path, Msg: fmt.Sprintf(format, args...)})
}

// Merge adds the problems of a nested Validate() under prefix; any other
// error is recorded as a problem at prefix.
func (p *Problems) Merge(prefix string, err error) {
	if err == nil {
		return
	}
	var nested Problems
	if errors.As(err, &nested) {
		for _, q := range nested {
			*p = append(*p, Problem{Path: Join(prefix, q.Path), Line: q.Line, Msg: q.Msg})
		}
		return
	}
	p.Add(prefix, "%v", err)
}

// Err returns nil when there are no problems.
func (p Problems) Err() error {
	if len(p) == 0 {
		return nil
	}
	return p
}

func (p Problems) Error() string {
	lines := make([]string, len(p))
	for i, q := range p {
		msg := q.Msg
		if q.Line > 0 {
			msg = fmt.Sprintf("line %d: %s", q.Line, msg)
		}
		if q.Path == "" {
			lines[i] = msg
		} else {
			lines[i] = q.Path + ": " + msg
		}
	}
	return strings.Join(lines, "\n")
}

// Secret is a string that never prints: logs, --validate output and error
// messages show [REDACTED].
type Secret string

const redacted = "[REDACTED]"

func (s Secret) String() string               { return s.mask() }
func (s Secret) GoString() string             { return s.mask() }
func (s Secret) MarshalYAML() (any, error)    { return s.mask(), nil }
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.mask()), nil }

// Value is the only way to read the secret.
func (s Secret) Value() string { return string(s) }

func (s Secret) mask() string {
	if s == "" {
		return ""
	}
	return redacted
}

// LoadFile loads path into dst (pre-filled with defaults); an empty path
// means defaults only, which are still validated.
func LoadFile(path string, dst Validator) error {
	if path == "" {
		return validate(dst)
	}
	return Load(path, dst)
}

// RedactURL hides the userinfo of an endpoint ("https://user:pass@host" →
// "https://[REDACTED]@host"), for logs, printed configs and errors. It works
// on strings url.Parse refuses too (an unescaped '/' or '#' in a password),
// by masking everything between the scheme and the last '@'.
func RedactURL(s string) string {
	scheme, rest := "", s
	if i := strings.Index(s, "://"); i >= 0 {
		scheme, rest = s[:i+3], s[i+3:]
	}
	at := strings.LastIndex(rest, "@")
	if at < 0 {
		return s
	}
	return scheme + redacted + rest[at:]
}
