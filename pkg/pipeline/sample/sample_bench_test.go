package sample

import (
	"context"
	"testing"
	"time"

	"github.com/dbintel/dbintel/pkg/contract"
	"github.com/dbintel/dbintel/pkg/pipeline"
	"github.com/dbintel/dbintel/pkg/pipeline/dbkey/dbkeytest"
	"github.com/prometheus/client_golang/prometheus"
)

// BenchmarkSample runs the default config plus two opt-in rules on one
// scrape interval of a small fleet per iteration (10 s of simulated time).
func BenchmarkSample(b *testing.B) {
	cfg := DefaultConfig()
	cfg.Rules = []Rule{
		{Name: "idle-samples", SampleRate: ptr(0.5), When: []Condition{
			{Field: FieldEventName, Op: "eq", Value: contract.EventQuerySample},
			{Field: FieldAttribute, Name: "db.session.state", Op: "regex", Value: "^idle"},
		}},
		{Name: "plans", When: []Condition{{Field: FieldEventName, Op: "eq", Value: contract.EventQueryPlan}},
			Dedup: Dedup{Window: time.Hour, KeyAttributes: []string{contract.PGQueryID, contract.AttrPlanHash}}},
	}
	clk := dbkeytest.NewClock()
	s, err := New(cfg, prometheus.NewRegistry(), nil, clk.Now)
	if err != nil {
		b.Fatal(err)
	}
	next := func(i int) pipeline.Batch { clk.Add(10 * time.Second); return dbkeytest.RealisticAt(i) }
	dbkeytest.Bench(b, next, func(bt pipeline.Batch) (pipeline.Batch, error) { return s.Process(context.Background(), bt) })
}

// BenchmarkSampleScaling: two senders' batches (their own databases) at
// once against one after the other, with the default config.
func BenchmarkSampleScaling(b *testing.B) {
	clk := dbkeytest.NewClock()
	s, err := New(DefaultConfig(), prometheus.NewRegistry(), nil, clk.Now)
	if err != nil {
		b.Fatal(err)
	}
	next := func(i, sender int) pipeline.Batch { clk.Add(5 * time.Second); return dbkeytest.RealisticFor(i, sender) }
	dbkeytest.Scaling(b, next, func(bt pipeline.Batch) (pipeline.Batch, error) { return s.Process(context.Background(), bt) })
}
