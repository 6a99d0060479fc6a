package config

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Decoding runs on the expanded document, where an ${env:...} value may be a
// secret and yaml quotes the first characters of a value it cannot convert.
// So decoding errors are rebuilt from the YAML path, the line in the user's
// file and the types involved: no value is ever shown.

var yamlLine = regexp.MustCompile(`^line (\d+): (.*)$`)

// decodeError rewrites err from decoding expanded (the re-marshaled tree of
// root) into problems. values are the expanded env values, scrubbed from any
// message the rewrite does not know; unknown keys already found by
// unknownKeys are not repeated. An error that is not about types is returned
// as is: nothing was decoded.
func decodeError(err error, expanded []byte, root *yaml.Node, values []string, unknown Problems) (Problems, error) {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return nil, fmt.Errorf("config: %s", scrub(err.Error(), values))
	}
	var marshaled yaml.Node
	if yaml.Unmarshal(expanded, &marshaled) != nil {
		return nil, errors.New("config: cannot decode the expanded document")
	}
	// yaml's own unknown-field errors repeat what unknownKeys found; in a
	// flow mapping their line does not say which key, so match by name.
	reportedKeys := map[string]bool{}
	for _, q := range unknown {
		reportedKeys[q.Path[strings.LastIndex(q.Path, ".")+1:]] = true
	}
	lines := map[int][]located{}
	locate(root, &marshaled, "", 0, lines)
	var p Problems
	for _, msg := range te.Errors {
		m := yamlLine.FindStringSubmatch(msg)
		if m == nil {
			p.Add("", "%s", scrub(msg, values))
			continue
		}
		n, _ := strconv.Atoi(m[1])
		text := m[2]
		tag := ""
		if rest, ok := strings.CutPrefix(text, "cannot unmarshal "); ok {
			tag, _, _ = strings.Cut(rest, " ")
			into := rest[strings.LastIndex(rest, " into ")+len(" into "):]
			text = fmt.Sprintf("must be %s, got %s (value not shown)", describeGoType(into), describeTag(tag))
		} else if f := unknownField.FindStringSubmatch(text); f != nil {
			if reportedKeys[f[1]] {
				continue
			}
			text = fmt.Sprintf("unknown key %q", f[1])
		} else {
			text = scrub(text, values)
		}
		at := pick(lines[n], tag)
		p = append(p, Problem{Path: at.path, Line: at.line, Msg: text})
	}
	return p, nil
}

var unknownField = regexp.MustCompile(`^field (\S+) not found in type `)

// describeTag names a YAML node kind for a user.
func describeTag(tag string) string {
	switch tag {
	case "!!str":
		return "a string"
	case "!!int":
		return "an integer"
	case "!!float":
		return "a number"
	case "!!bool":
		return "true/false"
	case "!!seq":
		return "a list"
	case "!!map":
		return "a mapping"
	case "!!null":
		return "nothing"
	}
	return "a " + strings.TrimPrefix(tag, "!!")
}

// describeGoType names the Go type yaml wanted in YAML terms.
func describeGoType(t string) string {
	switch {
	case t == "time.Duration":
		return "a duration such as 30s or 1m"
	case t == "bool":
		return "true or false"
	case t == "string" || strings.HasSuffix(t, ".Secret"):
		return "a string"
	case strings.HasPrefix(t, "int") || strings.HasPrefix(t, "uint"):
		return "an integer"
	case strings.HasPrefix(t, "float"):
		return "a number"
	case strings.HasPrefix(t, "[]"):
		return "a list"
	}
	return "a mapping"
}

// located is a value node of the user's document: its path and its line.
type located struct {
	path  string
	line  int
	tag   string
	depth int
}

// locate walks the user's tree and the re-marshaled one together (same
// shape) and files each value node under its re-marshaled line.
func locate(orig, m *yaml.Node, path string, depth int, lines map[int][]located) {
	if orig == nil || m == nil || orig.Kind != m.Kind || len(orig.Content) != len(m.Content) {
		return
	}
	lines[m.Line] = append(lines[m.Line], located{path: path, line: orig.Line, tag: m.ShortTag(), depth: depth})
	switch m.Kind {
	case yaml.DocumentNode:
		for i := range m.Content {
			locate(orig.Content[i], m.Content[i], path, depth, lines)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(m.Content); i += 2 {
			locate(orig.Content[i+1], m.Content[i+1], Join(path, m.Content[i].Value), depth+1, lines)
			// An unknown key is reported at the key's line.
			k := m.Content[i]
			lines[k.Line] = append(lines[k.Line], located{path: Join(path, k.Value), line: orig.Content[i].Line, depth: depth + 1})
		}
	case yaml.SequenceNode:
		for i := range m.Content {
			locate(orig.Content[i], m.Content[i], fmt.Sprintf("%s[%d]", path, i), depth+1, lines)
		}
	}
}

// pick chooses the deepest node on the line whose tag matches the error's
// (a flow collection puts several nodes on one line).
func pick(cands []located, tag string) located {
	best := located{depth: -1}
	for _, c := range cands {
		if (tag == "" || c.tag == tag) && c.depth > best.depth {
			best = c
		}
	}
	if best.depth < 0 && len(cands) > 0 {
		return cands[0]
	}
	return best
}

// scrub removes every expanded value from msg, and the 7-character prefix
// yaml shows of a long one.
func scrub(msg string, values []string) string {
	for _, v := range values {
		if len(v) < 4 {
			continue
		}
		msg = strings.ReplaceAll(msg, v, redacted)
		if len(v) > 10 {
			msg = strings.ReplaceAll(msg, v[:7], redacted)
		}
	}
	return msg
}

// redactSecrets replaces the value of every Secret in dst wherever a
// validation message repeats it (a library's parse error quoting a DSN).
func redactSecrets(err error, dst any) error {
	if err == nil {
		return nil
	}
	var secrets []string
	collectSecrets(reflect.ValueOf(dst), &secrets)
	if len(secrets) == 0 {
		return err
	}
	var p Problems
	if !errors.As(err, &p) {
		return errors.New(scrub(err.Error(), secrets))
	}
	out := make(Problems, len(p))
	for i, q := range p {
		out[i] = Problem{Path: q.Path, Line: q.Line, Msg: scrub(q.Msg, secrets)}
	}
	return out
}

var secretType = reflect.TypeFor[Secret]()

func collectSecrets(v reflect.Value, out *[]string) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			collectSecrets(v.Elem(), out)
		}
	case reflect.String:
		if v.Type() == secretType && v.Len() > 0 {
			*out = append(*out, v.String())
		}
	case reflect.Struct:
		for i := range v.NumField() {
			collectSecrets(v.Field(i), out)
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			collectSecrets(v.Index(i), out)
		}
	case reflect.Map:
		for it := v.MapRange(); it.Next(); {
			collectSecrets(it.Value(), out)
		}
	}
}
