package config

import (
	"fmt"
	"reflect"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

var unmarshalerType = reflect.TypeFor[yaml.Unmarshaler]()

// unknownKeys walks the user's document along dst's type and reports every
// key no field takes, at the key's line, with the nearest valid key as a
// suggestion. yaml names Go types in these errors, which a user never sees.
func unknownKeys(root *yaml.Node, t reflect.Type) Problems {
	var p Problems
	walkKeys(root, t, "", &p)
	return p
}

func walkKeys(n *yaml.Node, t reflect.Type, path string, p *Problems) {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if n == nil || t == nil || reflect.PointerTo(t).Implements(unmarshalerType) {
		return // a custom decoder knows its own keys
	}
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			walkKeys(c, t, path, p)
		}
	case yaml.SequenceNode:
		if t.Kind() == reflect.Slice || t.Kind() == reflect.Array {
			for i, c := range n.Content {
				walkKeys(c, t.Elem(), fmt.Sprintf("%s[%d]", path, i), p)
			}
		}
	case yaml.MappingNode:
		switch t.Kind() {
		case reflect.Map:
			for i := 0; i+1 < len(n.Content); i += 2 {
				walkKeys(n.Content[i+1], t.Elem(), Join(path, n.Content[i].Value), p)
			}
		case reflect.Struct:
			fields := yamlFields(t)
			for i := 0; i+1 < len(n.Content); i += 2 {
				k := n.Content[i]
				ft, ok := fields[k.Value]
				if !ok {
					*p = append(*p, Problem{Path: Join(path, k.Value), Line: k.Line, Msg: unknownKeyMsg(k.Value, fields)})
					continue
				}
				walkKeys(n.Content[i+1], ft, Join(path, k.Value), p)
			}
		}
	}
}

// yamlFields maps each YAML key of struct t to its field type, following
// inline fields as yaml does.
func yamlFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("yaml")
		name, opts, _ := strings.Cut(tag, ",")
		if name == "-" {
			continue
		}
		if strings.Contains(opts, "inline") && f.Type.Kind() == reflect.Struct {
			for k, v := range yamlFields(f.Type) {
				out[k] = v
			}
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		out[name] = f.Type
	}
	return out
}

// unknownKeyMsg suggests the valid key nearest to key, or lists them all.
func unknownKeyMsg(key string, fields map[string]reflect.Type) string {
	valid := make([]string, 0, len(fields))
	for k := range fields {
		valid = append(valid, k)
	}
	sort.Strings(valid)
	if hint := DidYouMean(key, valid...); hint != "" {
		return fmt.Sprintf("unknown key %q%s", key, hint)
	}
	return fmt.Sprintf("unknown key %q (valid keys: %s)", key, strings.Join(valid, ", "))
}

// DidYouMean returns ` (did you mean "x"?)` for the option nearest to s
// when it is a near miss (a typo, not another word), else "".
func DidYouMean(s string, options ...string) string {
	best, bestD := "", len(s)
	for _, o := range options {
		if d := distance(strings.ToLower(s), o); d < bestD {
			best, bestD = o, d
		}
	}
	if best == "" || bestD > max(2, len(s)/4) {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// distance is the Levenshtein edit distance between a and b.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// keyLines maps the YAML path of every key and list item in the user's
// document to its line, so validation problems can name it too.
func keyLines(root *yaml.Node) map[string]int {
	out := map[string]int{}
	var walk func(n *yaml.Node, path string)
	walk = func(n *yaml.Node, path string) {
		switch n.Kind {
		case yaml.DocumentNode:
			for _, c := range n.Content {
				walk(c, path)
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				p := Join(path, n.Content[i].Value)
				out[p] = n.Content[i].Line
				walk(n.Content[i+1], p)
			}
		case yaml.SequenceNode:
			for i, c := range n.Content {
				p := fmt.Sprintf("%s[%d]", path, i)
				out[p] = c.Line
				walk(c, p)
			}
		}
	}
	walk(root, "")
	return out
}
