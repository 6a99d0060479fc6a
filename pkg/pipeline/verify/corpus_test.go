package verify

import (
	"bufio"
	"encoding/json"
	"os"
	"strings"
	"testing"
)

func readCorpus(t *testing.T) []sample {
	t.Helper()
	f, err := os.Open(corpusPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []sample
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var s sample
		if err := json.Unmarshal(sc.Bytes(), &s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

type score struct{ tp, fn, fp int }

// TestCorpusRecallPrecision measures the recognisers on the labelled corpus
// (raw text, before SQL obfuscation, so literals in SQL count) and asserts
// the acceptance targets.
func TestCorpusRecallPrecision(t *testing.T) {
	corpus := readCorpus(t)
	d := allOn()
	scores := map[string]*score{}
	for _, n := range typeNames {
		scores[n] = &score{}
	}
	pos, neg := 0, 0
	for _, smp := range corpus {
		if len(smp.PII) == 0 {
			neg++
		}
		pos += len(smp.PII)
		fs := d.scan(smp.Text, smp.Key, nil)
		type span struct{ s, e int }
		labels := make([]span, len(smp.PII))
		for i, l := range smp.PII {
			k := strings.Index(smp.Text, l.Value)
			if k < 0 {
				t.Fatalf("label %q not in %q", l.Value, smp.Text)
			}
			labels[i] = span{k, k + len(l.Value)}
		}
		hit := make([]bool, len(smp.PII))
		for _, f := range fs {
			ok := false
			for i, l := range smp.PII {
				if l.Type == f.typ.String() && f.start < labels[i].e && labels[i].s < f.end {
					ok, hit[i] = true, true
				}
			}
			if ok {
				scores[f.typ.String()].tp++
			} else {
				scores[f.typ.String()].fp++
				t.Logf("false positive %s %q in %s %q", f.typ, smp.Text[f.start:f.end], smp.Kind, smp.Text)
			}
		}
		for i, l := range smp.PII {
			if !hit[i] {
				scores[l.Type].fn++
				t.Logf("missed %s %q in %q", l.Type, l.Value, smp.Text)
			}
		}
	}
	if pos < 500 || neg < 500 {
		t.Fatalf("corpus too small: %d positives, %d negatives", pos, neg)
	}
	var all score
	t.Logf("corpus: %d positives, %d negative texts", pos, neg)
	t.Logf("%-7s %5s %4s %4s %7s %9s", "type", "tp", "fn", "fp", "recall", "precision")
	for _, n := range typeNames {
		s := scores[n]
		all.tp, all.fn, all.fp = all.tp+s.tp, all.fn+s.fn, all.fp+s.fp
		t.Logf("%-7s %5d %4d %4d %7.4f %9.4f", n, s.tp, s.fn, s.fp, ratio(s.tp, s.tp+s.fn), ratio(s.tp, s.tp+s.fp))
		if (n == "card" || n == "ssn" || n == "iban" || n == "email") && ratio(s.tp, s.tp+s.fn) < 0.99 {
			t.Errorf("recall of %s = %.4f, want >= 0.99", n, ratio(s.tp, s.tp+s.fn))
		}
	}
	t.Logf("%-7s %5d %4d %4d %7.4f %9.4f", "all", all.tp, all.fn, all.fp, ratio(all.tp, all.tp+all.fn), ratio(all.tp, all.tp+all.fp))
	if p := ratio(all.tp, all.tp+all.fp); p < 0.98 {
		t.Errorf("overall precision = %.4f, want >= 0.98", p)
	}
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

// TestCorpusNothingSurvives runs every positive through the full string
// path (SQL obfuscation for SQL texts, then PII) and checks that no
// labelled value is left.
func TestCorpusNothingSurvives(t *testing.T) {
	v, _ := newTest(t, func(c *Config) { c.PII.Types.IP = ActionRedact })
	for _, smp := range readCorpus(t) {
		_, sqlKey := v.sqlKeys[smp.Key]
		out, _, _ := v.cleanString(smp.Text, smp.Key, smp.Where == "sql" || sqlKey, 0, "")
		for _, l := range smp.PII {
			if strings.Contains(out, l.Value) {
				t.Errorf("%s %q survived in %q", l.Type, l.Value, out)
			}
		}
	}
}
