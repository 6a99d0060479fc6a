package newrelic

import (
	"encoding/base64"
	"fmt"
	"hash/fnv"
	"os"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Definition is the part of an entity-definitions definition.yml that
// decides which records create an entity and how it is named.
type Definition struct {
	Domain    string `yaml:"domain"`
	Type      string `yaml:"type"`
	Synthesis struct {
		Rules []Rule `yaml:"rules"`
	} `yaml:"synthesis"`
}

// Rule is one synthesis rule: a record that meets every condition
// belongs to the entity identified by the identifier attribute's value.
type Rule struct {
	RuleName               string      `yaml:"ruleName"`
	Identifier             string      `yaml:"identifier"`
	Name                   string      `yaml:"name"`
	EncodeIdentifierInGUID bool        `yaml:"encodeIdentifierInGUID"`
	Conditions             []Condition `yaml:"conditions"`
}

// Condition tests one attribute: equal to Value, starting with Prefix, or
// present (Present true) / absent (Present false).
type Condition struct {
	Attribute string  `yaml:"attribute"`
	Value     *string `yaml:"value"`
	Prefix    *string `yaml:"prefix"`
	Present   *bool   `yaml:"present"`
}

// Entity is a synthesized entity.
type Entity struct {
	Domain, Type, Name, GUID, Identifier, Rule string
}

// LoadDefinition reads a definition.yml.
func LoadDefinition(path string) (*Definition, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	d := &Definition{}
	if err := yaml.Unmarshal(b, d); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if d.Domain == "" || d.Type == "" || len(d.Synthesis.Rules) == 0 {
		return nil, fmt.Errorf("%s: no domain, type or synthesis rules", path)
	}
	return d, nil
}

// attr reads an attribute of an event; eventType is the event's type.
func (e Event) attr(name string) (string, bool) {
	if name == "eventType" {
		return e.Type, true
	}
	v, ok := e.Attrs[name]
	if !ok {
		return "", false
	}
	switch x := v.(type) {
	case string:
		return x, true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case bool:
		return strconv.FormatBool(x), true
	}
	return "", false // a metric value is not an attribute
}

func (c Condition) match(e Event) bool {
	v, ok := e.attr(c.Attribute)
	switch {
	case c.Present != nil:
		return ok == *c.Present
	case !ok:
		return false
	case c.Value != nil:
		return v == *c.Value
	case c.Prefix != nil:
		return strings.HasPrefix(v, *c.Prefix)
	}
	return false
}

// Match returns the entity e belongs to by rule r, if it does.
func (d *Definition) match(r Rule, e Event, account int) (Entity, bool) {
	for _, c := range r.Conditions {
		if !c.match(e) {
			return Entity{}, false
		}
	}
	id, ok := e.attr(r.Identifier)
	if !ok || id == "" {
		return Entity{}, false
	}
	name, ok := e.attr(r.Name)
	if !ok || name == "" {
		name = id
	}
	domainID := id
	if !r.EncodeIdentifierInGUID {
		h := fnv.New64a()
		h.Write([]byte(id))
		domainID = strconv.FormatUint(h.Sum64(), 10)
	}
	guid := base64.RawStdEncoding.EncodeToString([]byte(fmt.Sprintf("%d|%s|%s|%s", account, d.Domain, d.Type, domainID)))
	return Entity{Domain: d.Domain, Type: d.Type, Name: name, GUID: guid, Identifier: id, Rule: r.RuleName}, true
}

// Synthesize runs the rules of defs over events (first matching rule per
// event, definitions in order), stamps entity.name, entity.guid and
// entity.type on each matched event, and returns the entities found with
// the number of events that matched each rule.
//
// A curated database event (DbServerTopQuery, ...) is matched as the Log
// it arrives as: the reference rules (2026-08) match eventType Log, and the
// rules New Relic added for the curated types use the same identifiers.
func Synthesize(events []Event, defs []*Definition, account int) ([]Entity, map[string]int) {
	found := map[string]Entity{}
	byRule := map[string]int{}
	for i := range events {
		e := events[i]
		view := e
		if isCurated(e.Type) {
			view.Type = "Log"
		}
	rules:
		for _, d := range defs {
			for _, r := range d.Synthesis.Rules {
				ent, ok := d.match(r, view, account)
				if !ok {
					continue
				}
				e.Attrs["entity.name"] = ent.Name
				e.Attrs["entity.guid"] = ent.GUID
				e.Attrs["entity.type"] = ent.Type
				found[ent.GUID] = ent
				byRule[d.Type+"/"+r.RuleName]++
				break rules
			}
		}
	}
	out := make([]Entity, 0, len(found))
	for _, ent := range found {
		out = append(out, ent)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].GUID < out[j].GUID })
	return out, byRule
}

func isCurated(t string) bool {
	for _, c := range curatedEvents {
		if c == t {
			return true
		}
	}
	return false
}
