package enrich

import (
	"context"
	"testing"

	"github.com/dbintel/dbintel/pkg/pipeline"
	"github.com/dbintel/dbintel/pkg/pipeline/dbkey/dbkeytest"
)

func BenchmarkEnrich(b *testing.B) {
	e, err := New(Config{
		Resource:   []Action{{Action: ActInsert, Key: "deployment.environment.name", Value: "production"}, {Action: ActUpsert, Key: "k8s.cluster.name", Value: "eu-1"}},
		Attributes: []Action{{Action: ActRename, Key: "process.pid", NewKey: "db.session.pid"}, {Action: ActDelete, Key: "db.wait_event.type"}},
	})
	if err != nil {
		b.Fatal(err)
	}
	dbkeytest.Bench(b, dbkeytest.RealisticAt, func(bt pipeline.Batch) (pipeline.Batch, error) {
		return e.Process(context.Background(), bt)
	})
}
