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
