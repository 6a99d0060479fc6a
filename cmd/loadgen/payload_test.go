package main

import (
	"strings"
	"testing"
	"time"

	"github.com/dbintel/dbintel/pkg/contract"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
)

func TestBuildDecodesToTheRequestedShape(t *testing.T) {
	for _, signal := range []string{"metrics", "logs", "traces"} {
		reqs, err := build(signal, 3, 500)
		if err != nil {
			t.Fatal(err)
		}
		if len(reqs) != 3 {
			t.Fatalf("%s: %d variants, want 3", signal, len(reqs))
		}
		for _, r := range reqs {
			var n int
			switch signal {
			case "metrics":
				m := pmetricotlp.NewExportRequest()
				if err := m.UnmarshalProto(r.body); err != nil {
					t.Fatal(err)
				}
				n = m.Metrics().DataPointCount()
				if got := m.Metrics().ResourceMetrics().At(0).Resource().Attributes().AsRaw()[contract.AttrServiceInstanceID]; got == nil {
					t.Errorf("metrics: resource without %s", contract.AttrServiceInstanceID)
				}
			case "logs":
				l := plogotlp.NewExportRequest()
				if err := l.UnmarshalProto(r.body); err != nil {
					t.Fatal(err)
				}
				n = l.Logs().LogRecordCount()
			case "traces":
				tr := ptraceotlp.NewExportRequest()
				if err := tr.UnmarshalProto(r.body); err != nil {
					t.Fatal(err)
				}
				n = tr.Traces().SpanCount()
			}
			// Metrics fill whole tables, so they may pass the request a little.
			if n != r.items || n < 500 || n > 540 {
				t.Errorf("%s: %d items decoded, %d counted, want about 500", signal, n, r.items)
			}
		}
	}
	if _, err := build("profiles", 1, 1); err == nil {
		t.Error("unknown signal accepted")
	}
}

func TestLogsCarryPlansOfTwoToTwentyKBAndPII(t *testing.T) {
	ld := logs(0, 1000, time.Now())
	plans, pii := 0, 0
	for _, lr := range ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().All() {
		if text, ok := lr.Attributes().Get(contract.AttrQueryText); ok && strings.Contains(text.Str(), "@example.com") {
			pii++
		}
		p, ok := lr.Attributes().Get(contract.PGQueryPlan)
		if !ok {
			continue
		}
		plans++
		if lr.EventName() != contract.EventQueryPlan {
			t.Errorf("plan on a %q event", lr.EventName())
		}
		if n := len(p.Str()); n < 2<<10 || n > 21<<10 {
			t.Errorf("plan of %d bytes, want 2-20 KB", n)
		}
	}
	if plans != 40 || pii == 0 {
		t.Errorf("%d plans and %d texts with an e-mail in 1,000 records, want 40 and some", plans, pii)
	}
}

func TestPercentile(t *testing.T) {
	var d []time.Duration
	for i := 1; i <= 100; i++ {
		d = append(d, time.Duration(i)*time.Millisecond)
	}
	if p := percentile(d, 0.99); p != 99 {
		t.Errorf("p99 of 1..100 ms = %v, want 99", p)
	}
	if p := percentile(nil, 0.5); p != 0 {
		t.Errorf("p50 of nothing = %v", p)
	}
}
