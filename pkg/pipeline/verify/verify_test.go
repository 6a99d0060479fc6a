package verify

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dbintel/dbintel/internal/config"
	"github.com/dbintel/dbintel/pkg/pipeline"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.opentelemetry.io/collector/pdata/plog"
)

func TestProcessRedactsEverywhere(t *testing.T) {
	v, logs := newTest(t, nil)
	b := process(t, v, mixedBatch())
	if got := b.Counts(); got.Points != 1 || got.Records != 3 || got.Spans != 1 {
		t.Fatalf("counts %+v: redaction must not drop items", got)
	}
	out := dump(t, b)
	for _, p := range planted {
		if strings.Contains(out, p) {
			t.Errorf("%q survived verification", p)
		}
		if strings.Contains(logs.String(), p) {
			t.Errorf("%q logged", p)
		}
	}
	for _, want := range []string{
		"dba team <[REDACTED:email]>",                                         // resource attribute
		"call [REDACTED:phone]", "ssn [REDACTED:ssn]", "iban [REDACTED:iban]", // point, nested map, array
		"SELECT * FROM users WHERE email = ? AND card = ? LIMIT ?", // SQL obfuscated before PII
		"4111111111111111", // allow-listed db.query.id kept
		"postgres://app:[REDACTED:secret]@db1:5432/shop", // map body
		"Failing row contains (?).",                      // string body: the row's values, by structure
		`((email)::text = ?::text)`, `(id > ?)`,          // plan expression fields
		`INSERT INTO payments (email, card) VALUES (?, ?)`,             // MySQL dialect: "..." is a string
		"charge card [REDACTED:card]", "card [REDACTED:card] declined", // span name, status
		"Duplicate entry '?' for key 'users.email'", "Bearer [REDACTED:secret]",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	// The plan body keeps its structure.
	var plan []map[string]map[string]any
	body := b.Logs.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(2).Body().Str()
	if err := json.Unmarshal([]byte(body), &plan); err != nil {
		t.Fatalf("plan body no longer JSON: %v\n%s", err, body)
	}
	if p := plan[0]["Plan"]; p["Node Type"] != "Index Scan" || p["Index Name"] != "users_email_key" || p["Total Cost"] != 8.31 {
		t.Errorf("plan structure changed: %v", p)
	}
}

func TestIdempotent(t *testing.T) {
	for _, tc := range []struct {
		name string
		mut  func(*Config)
	}{
		{"redact", func(c *Config) { c.PII.Types.IP = ActionRedact }},
		{"hash", func(c *Config) {
			c.PII.HashKey = "0123456789abcdef0123456789abcdef"
			for _, p := range []*Action{&c.PII.Types.Card, &c.PII.Types.SSN, &c.PII.Types.Email, &c.PII.Types.Phone,
				&c.PII.Types.IBAN, &c.PII.Types.IP, &c.PII.Types.Secret} {
				*p = ActionHash
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, _ := newTest(t, tc.mut)
			b := mixedBatch()
			lr := b.Logs.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0)
			lr.SetTimestamp(ts(-72 * 3600e9)) // fixed to now on the first pass
			once := dump(t, process(t, v, b))
			twice := dump(t, process(t, v, b))
			if once != twice {
				t.Fatalf("second pass changed the output:\n%s\n---\n%s", once, twice)
			}
			for _, p := range planted {
				if strings.Contains(once, p) {
					t.Errorf("%q survived", p)
				}
			}
		})
	}
}

func TestHashStableAndKeyed(t *testing.T) {
	hashWith := func(key, s string) string {
		v, _ := newTest(t, func(c *Config) {
			c.PII.HashKey = config.Secret(key)
			c.PII.Types.Email = ActionHash
			c.PII.Types.Card = ActionHash
		})
		out, _, _ := v.redact(s, "")
		return out
	}
	const k1, k2 = "key-one-0123456789", "key-two-0123456789"
	a := hashWith(k1, "mail Bob@Example.com card 4111-1111-1111-1111")
	b := hashWith(k1, "mail bob@example.com card 4111111111111111")
	c := hashWith(k2, "mail bob@example.com card 4111111111111111")
	if a != b {
		t.Errorf("same values, different hashes: %q vs %q", a, b)
	}
	if a == c {
		t.Errorf("different keys, same hash: %q", a)
	}
	if !strings.HasPrefix(a, "mail [HASHED:email:") || len(a) != len("mail [HASHED:email:0123456789abcdef] card [HASHED:card:0123456789abcdef]") {
		t.Errorf("unexpected marker format %q", a)
	}
}

func TestDropAction(t *testing.T) {
	reg := prometheus.NewRegistry()
	c := DefaultConfig()
	c.PII.Types.Card = ActionDrop
	v, err := New(c, reg, nil)
	if err != nil {
		t.Fatal(err)
	}
	v.now = func() time.Time { return testNow }
	b := process(t, v, mixedBatch())
	got := b.Counts()
	// The span holds a card in its name and status: it goes. The top_query
	// record's card was a SQL literal, masked before the PII scan: it stays.
	if got.Points != 1 || got.Records != 3 || got.Spans != 0 {
		t.Fatalf("counts after drop %+v, want the span with a card removed and the rest kept", got)
	}
	if n := testutil.ToFloat64(v.m.pii[typeCard]); n < 1 {
		t.Errorf("pii_found_total{type=card,action=drop} = %v", n)
	}
	if n, err := testutil.GatherAndCount(reg, "dbintel_verify_pii_found_total"); err != nil || n == 0 {
		t.Errorf("metric not registered: %v %v", n, err)
	}
}

func TestDropResource(t *testing.T) {
	v, _ := newTest(t, func(c *Config) { c.PII.Types.Email = ActionDrop })
	b := mixedBatch()
	b = process(t, v, b)
	// The metric resource carries an email in its attributes: all of it goes.
	if b.Metrics.ResourceMetrics().Len() != 0 {
		t.Fatal("resource with a drop-type value kept")
	}
	// In the logs every email sits in a SQL literal or plan expression, which
	// are masked before the PII scan: nothing is left to drop.
	if b.Logs.LogRecordCount() != 3 {
		t.Fatalf("logs %d", b.Logs.LogRecordCount())
	}
}

func TestLogsEventNameAttribute(t *testing.T) {
	v, _ := newTest(t, nil)
	ld := plog.NewLogs()
	lr := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
	lr.Attributes().PutStr("event.name", "db.server.query_plan")
	lr.Body().SetEmptyMap().PutEmptyMap("query_block").PutStr("attached_condition", "(`shop`.`users`.`id` = 42)")
	b := process(t, v, pipeline.FromLogs(ld))
	got := b.Logs.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0).Body().Map()
	qb, _ := got.Get("query_block")
	cond, _ := qb.Map().Get("attached_condition")
	if cond.Str() != "(`shop`.`users`.`id` = ?)" {
		t.Fatalf("attached_condition = %q", cond.Str())
	}
}

// A config reload builds a second Verifier on the same registry: it must
// not fail, and counting continues on the same series.
func TestNewTwiceOnOneRegistry(t *testing.T) {
	reg := prometheus.NewRegistry()
	var v *Verifier
	for i := 0; i < 2; i++ {
		var err error
		if v, err = New(DefaultConfig(), reg, nil); err != nil {
			t.Fatalf("New #%d: %v", i+1, err)
		}
		v.redact("mail "+pEmail, "")
	}
	if got := testutil.ToFloat64(v.m.pii[typeEmail]); got != 2 {
		t.Fatalf("pii_found_total{type=email} = %v, want 2", got)
	}
}

// Process is called from every receiver goroutine at once.
func TestConcurrentProcess(t *testing.T) {
	v, _ := newTest(t, func(c *Config) {
		c.PII.Types.Email = ActionHash
		c.PII.HashKey = "0123456789abcdef0123"
	})
	want := dump(t, process(t, v, mixedBatch()))
	var wg sync.WaitGroup
	outs := make([]string, 4)
	for i := range outs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b, _ := v.Process(context.Background(), mixedBatch())
			outs[i] = dump(t, b)
		}()
	}
	wg.Wait()
	for i, o := range outs {
		if o != want {
			t.Errorf("goroutine %d produced a different output", i)
		}
	}
}
