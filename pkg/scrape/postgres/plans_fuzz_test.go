package postgres

import (
	"strings"
	"testing"

	"github.com/dbintel/dbintel/pkg/sqlmask"
)

// FuzzParseLog: server logs carry user-controlled text; the parsers must
// never panic or consume more than they were given. The seeds are real
// auto_explain records, so the plan path is reached.
func FuzzParseLog(f *testing.F) {
	for _, s := range logSeeds() {
		f.Add(s.format, s.data, false)
	}
	f.Fuzz(func(t *testing.T, format, data string, final bool) {
		entries, used := parseLog(format, []byte(data), final)
		if used < 0 || used > len(data) {
			t.Fatalf("used %d of %d bytes", used, len(data))
		}
		obf := sqlmask.New("postgresql")
		for _, e := range entries {
			maskPlan(e.plan, obf) // must not panic on any plan text
		}
	})
}

type logSeed struct{ format, data string }

func logSeeds() []logSeed {
	plan := `{\n  "Query Text": "SELECT 1 WHERE x = 'a'",\n  "Plan": {"Node Type": "Result", "Filter": "(x = 'a'::text)"}\n}`
	return []logSeed{
		{formatJSON, `{"timestamp":"2026-01-01","user":"u","dbname":"d","message":"duration: 1.5 ms  plan:\n` + strings.ReplaceAll(plan, `"`, `\"`) + `","query_id":42}` + "\n"},
		{formatCSV, `2026-01-01,"u","d",1,"",x,1,"SELECT",,,0,LOG,00000,"duration: 1.5 ms  plan:` + "\n" + strings.ReplaceAll(strings.ReplaceAll(plan, `\n`, "\n"), `"`, `""`) + `",,,,,,,,,"psql","client backend",,42` + "\n"},
		{formatStderr, "2026-01-01 [1] db=d,user=u LOG:  duration: 1.5 ms  plan:\n\t" + strings.ReplaceAll(plan, `\n`, "\n\t") + "\nnext line\n"},
	}
}

// TestLogSeedsReachPlans proves the fuzz seeds reach the plan decoder.
func TestLogSeedsReachPlans(t *testing.T) {
	obf := sqlmask.New("postgresql")
	for _, s := range logSeeds() {
		entries, used := parseLog(s.format, []byte(s.data), false)
		if len(entries) != 1 || used != len(s.data) || entries[0].db != "d" || entries[0].durationMS != 1.5 {
			t.Fatalf("%s: entries %+v used %d/%d", s.format, entries, used, len(s.data))
		}
		if s.format != formatStderr && entries[0].queryID != "42" {
			t.Errorf("%s: query id %q", s.format, entries[0].queryID)
		}
		masked, _, _, err := maskPlan(entries[0].plan, obf)
		if err != nil || strings.Contains(string(masked), "'a'") {
			t.Fatalf("%s: masked %s err %v", s.format, masked, err)
		}
	}
}

// FuzzMaskPlan: a literal in a plan's Filter never survives masking.
func FuzzMaskPlan(f *testing.F) {
	f.Add("hunter2secret")
	f.Add("4111111111111111")
	obf := sqlmask.New("postgresql")
	f.Fuzz(func(t *testing.T, secret string) {
		if len(secret) < 6 || strings.IndexFunc(secret, func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9') }) >= 0 {
			return
		}
		raw := `{"Query Text": "SELECT * FROM t WHERE a = '` + secret + `'", "Plan": {"Node Type": "Seq Scan", "Relation Name": "t",
			"Filter": "(a = '` + secret + `'::text)", "Plans": [{"Node Type": "Index Scan", "Index Cond": "(b = '` + secret + `'::text)"}]}}`
		masked, _, _, err := maskPlan([]byte(raw), obf)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(masked), secret) {
			t.Fatalf("secret survived: %s", masked)
		}
	})
}
