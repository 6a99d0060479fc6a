package scrape

import (
	"strings"
	"testing"
	"time"

	"github.com/dbintel/dbintel/internal/config"
)

type sectionDoc struct {
	Shared  Config `yaml:"shared"`
	Entries []struct {
		Name    string          `yaml:"name"`
		Section Section[Config] `yaml:"section"`
	} `yaml:"entries"`
}

func (sectionDoc) Validate() error { return nil }

// A Section is checked as strictly as the rest of the file, and decodes
// over defaults that may come later in the file.
func TestSectionOverLaterDefaults(t *testing.T) {
	doc := sectionDoc{Shared: DefaultConfig()}
	yml := "entries:\n  - name: a\n    section: {once_wait: 5s, labels: {team: a}}\n  - name: b\n    section: {}\n  - name: c\nshared: {once_wait: 3s, recheck_interval: 1m, labels: {env: prod}}\n"
	if err := config.Parse([]byte(yml), func(string) (string, bool) { return "", false }, &doc); err != nil {
		t.Fatal(err)
	}
	defaults := func() Config { c := doc.Shared; c.Labels = MergedLabels(doc.Shared.Labels, nil); return c }
	a, ok := doc.Entries[0].Section.Over(defaults())
	if !ok || a.OnceWait != 5*time.Second || a.RecheckInterval != time.Minute || a.Labels["env"] != "prod" || a.Labels["team"] != "a" {
		t.Errorf("a: %+v ok=%v", a, ok)
	}
	if len(doc.Shared.Labels) != 1 {
		t.Errorf("the shared labels were written to: %v", doc.Shared.Labels)
	}
	if !doc.Entries[1].Section.IsSet() || doc.Entries[2].Section.IsSet() {
		t.Error("IsSet: an empty mapping is set, an absent key is not")
	}
	if c, ok := doc.Entries[2].Section.Over(defaults()); !ok || c.OnceWait != 3*time.Second {
		t.Errorf("an absent section is the defaults: %+v", c)
	}

	doc = sectionDoc{Shared: DefaultConfig()}
	err := config.Parse([]byte("entries:\n  - section:\n      once_wiat: 1s\n  - section:\n      once_wait: soon\n"), func(string) (string, bool) { return "", false }, &doc)
	for _, want := range []string{`entries[0].section.once_wiat: line 3: unknown key "once_wiat" (did you mean "once_wait"?)`, "entries[1].section.once_wait: line 5: must be a duration"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("want %q in %v", want, err)
		}
	}
	if !doc.Entries[1].Section.Invalid() {
		t.Error("a section with a type error is not Invalid")
	}
	if _, ok := doc.Entries[1].Section.Over(DefaultConfig()); ok {
		t.Error("Over of an invalid section succeeded")
	}
}
