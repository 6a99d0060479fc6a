package cardinality

import (
	"context"
	"testing"

	"github.com/dbintel/dbintel/pkg/pipeline"
	"github.com/dbintel/dbintel/pkg/pipeline/dbkey/dbkeytest"
	"github.com/prometheus/client_golang/prometheus"
)

func BenchmarkCardinality(b *testing.B) {
	l, err := New(DefaultConfig(), prometheus.NewRegistry(), nil)
	if err != nil {
		b.Fatal(err)
	}
	dbkeytest.Bench(b, dbkeytest.RealisticAt, func(bt pipeline.Batch) (pipeline.Batch, error) { return l.Process(context.Background(), bt) })
}

// BenchmarkCardinalityScaling: two senders' batches (their own databases)
// at once against one after the other.
func BenchmarkCardinalityScaling(b *testing.B) {
	l, err := New(DefaultConfig(), prometheus.NewRegistry(), nil)
	if err != nil {
		b.Fatal(err)
	}
	dbkeytest.Scaling(b, dbkeytest.RealisticFor, func(bt pipeline.Batch) (pipeline.Batch, error) { return l.Process(context.Background(), bt) })
}
