package pipeline

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.opentelemetry.io/collector/pdata/plog"
)

func logs(n int) Batch {
	ld := plog.NewLogs()
	rs := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
	for i := range n {
		rs.AppendEmpty().Body().SetInt(int64(i))
	}
	return FromLogs(ld)
}

// dropOdd removes records whose body is odd.
var dropOdd = StageFunc(func(_ context.Context, b Batch) (Batch, error) {
	b.Logs.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().RemoveIf(func(r plog.LogRecord) bool { return r.Body().Int()%2 == 1 })
	return b, nil
})

func TestChainRunsStagesInOrderAndCounts(t *testing.T) {
	reg := prometheus.NewRegistry()
	var got Counts
	next := ConsumerFunc(func(_ context.Context, b Batch) error { got = b.Counts(); return nil })
	var order []string
	mark := func(name string) Stage {
		return StageFunc(func(_ context.Context, b Batch) (Batch, error) { order = append(order, name); return b, nil })
	}
	c := NewChain(reg, next, NamedStage{"first", mark("first")}, NamedStage{"drop", dropOdd}, NamedStage{"last", mark("last")})
	if err := c.Consume(context.Background(), logs(10)); err != nil {
		t.Fatal(err)
	}
	if got.Records != 5 || len(order) != 2 || order[0] != "first" || order[1] != "last" {
		t.Fatalf("next got %+v, order %v", got, order)
	}
	want := `
# HELP dbintel_pipeline_stage_items_dropped_total Items a stage removed (sampling, shedding, PII drop); the stage's own metrics say why.
# TYPE dbintel_pipeline_stage_items_dropped_total counter
dbintel_pipeline_stage_items_dropped_total{signal="logs",stage="drop"} 5
dbintel_pipeline_stage_items_dropped_total{signal="logs",stage="first"} 0
dbintel_pipeline_stage_items_dropped_total{signal="logs",stage="last"} 0
dbintel_pipeline_stage_items_dropped_total{signal="metrics",stage="drop"} 0
dbintel_pipeline_stage_items_dropped_total{signal="metrics",stage="first"} 0
dbintel_pipeline_stage_items_dropped_total{signal="metrics",stage="last"} 0
dbintel_pipeline_stage_items_dropped_total{signal="traces",stage="drop"} 0
dbintel_pipeline_stage_items_dropped_total{signal="traces",stage="first"} 0
dbintel_pipeline_stage_items_dropped_total{signal="traces",stage="last"} 0
`
	if err := testutil.GatherAndCompare(reg, stringsReader(want), "dbintel_pipeline_stage_items_dropped_total"); err != nil {
		t.Fatal(err)
	}
}

func TestChainStopsAtAnErrorAndKeepsItsKind(t *testing.T) {
	refuse := StageFunc(func(_ context.Context, b Batch) (Batch, error) { return b, Refused("memory", time.Second) })
	called := false
	next := ConsumerFunc(func(context.Context, Batch) error { called = true; return nil })
	err := NewChain(nil, next, NamedStage{"memlimit", refuse}).Consume(context.Background(), logs(1))
	if !errors.Is(err, ErrRefused) || called {
		t.Fatalf("err %v, next called %v", err, called)
	}
	if d, ok := RetryAfter(err); !ok || d != time.Second {
		t.Fatalf("retry after %v %v", d, ok)
	}
}

func TestChainSkipsNextWhenEverythingWasDropped(t *testing.T) {
	called := false
	next := ConsumerFunc(func(context.Context, Batch) error { called = true; return nil })
	dropAll := StageFunc(func(_ context.Context, b Batch) (Batch, error) { return NewBatch(), nil })
	if err := NewChain(nil, next, NamedStage{"all", dropAll}).Consume(context.Background(), logs(3)); err != nil || called {
		t.Fatalf("err %v, next called %v", err, called)
	}
}

func TestPermanent(t *testing.T) {
	err := fmtErr(Permanent(errors.New("bad")))
	if !IsPermanent(err) || IsPermanent(errors.New("x")) || Permanent(nil) != nil {
		t.Fatal("permanent classification broken")
	}
}
