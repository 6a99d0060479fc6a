package dbbreaker

import (
	"context"
	"testing"
	"time"

	"github.com/dbintel/dbintel/pkg/pipeline"
	"github.com/dbintel/dbintel/pkg/pipeline/dbkey/dbkeytest"
	"github.com/prometheus/client_golang/prometheus"
)

func BenchmarkBreaker(b *testing.B) {
	clk := dbkeytest.NewClock()
	br, err := New(DefaultConfig(), prometheus.NewRegistry(), nil, clk.Now)
	if err != nil {
		b.Fatal(err)
	}
	next := func(i int) pipeline.Batch { clk.Add(10 * time.Second); return dbkeytest.RealisticAt(i) }
	dbkeytest.Bench(b, next, func(bt pipeline.Batch) (pipeline.Batch, error) { return br.Process(context.Background(), bt) })
}

// BenchmarkBreakerScaling: two senders' batches (their own databases) at
// once against one after the other.
func BenchmarkBreakerScaling(b *testing.B) {
	clk := dbkeytest.NewClock()
	br, err := New(DefaultConfig(), prometheus.NewRegistry(), nil, clk.Now)
	if err != nil {
		b.Fatal(err)
	}
	next := func(i, sender int) pipeline.Batch { clk.Add(5 * time.Second); return dbkeytest.RealisticFor(i, sender) }
	dbkeytest.Scaling(b, next, func(bt pipeline.Batch) (pipeline.Batch, error) { return br.Process(context.Background(), bt) })
}
