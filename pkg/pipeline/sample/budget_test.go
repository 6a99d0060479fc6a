package sample

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/dbintel/dbintel/pkg/contract"
	"github.com/dbintel/dbintel/pkg/pipeline"
	"github.com/dbintel/dbintel/pkg/pipeline/dbkey"
	"github.com/dbintel/dbintel/pkg/pipeline/dbkey/dbkeytest"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.opentelemetry.io/collector/pdata/plog"
)

func TestAdaptiveBudget(t *testing.T) {
	clk := newClock()
	cfg := DefaultConfig()
	cfg.Budget.PerMinute = 6000
	reg := prometheus.NewPedanticRegistry()
	s := newSampler(t, cfg, reg, clk)
	// Database 0 sends 10x its budget, database 1 exactly its budget, in
	// batches every 100 ms of simulated time, for two minutes.
	var keptLoud, keptQuiet int
	seq := 0
	for step := range 1200 {
		b := pipeline.NewBatch()
		for db, perStep := range []int{100, 10} {
			rl := b.Logs.ResourceLogs().AppendEmpty()
			dbkeytest.Resource(rl.Resource(), db)
			lrs := rl.ScopeLogs().AppendEmpty().LogRecords()
			for range perStep {
				lr := lrs.AppendEmpty()
				lr.SetEventName(contract.EventQuerySample)
				lr.Attributes().PutStr(contract.PGQueryID, fmt.Sprintf("q%d", seq))
				seq++
			}
		}
		out, err := s.Process(context.Background(), b)
		if err != nil {
			t.Fatal(err)
		}
		if step >= 600 { // second minute: must have converged
			for _, rl := range out.Logs.ResourceLogs().All() {
				n := rl.ScopeLogs().At(0).LogRecords().Len()
				if v, _ := rl.Resource().Attributes().Get(contract.AttrServerAddress); v.Str() == "db0.internal" {
					keptLoud += n
				} else {
					keptQuiet += n
				}
			}
		}
		clk.add(100 * time.Millisecond)
	}
	t.Logf("second minute: loud database kept %d, database at budget kept %d (budget 6000)", keptLoud, keptQuiet)
	if keptLoud < 4800 || keptLoud > 7200 {
		t.Fatalf("loud database kept %d in the second minute, want 6000±20%%", keptLoud)
	}
	if keptQuiet != 6000 {
		t.Fatalf("database at budget kept %d of 6000", keptQuiet)
	}
	if r := testutil.ToFloat64(s.m.effectiveRate.WithLabelValues("postgresql://db0.internal:5432")); r < 0.08 || r > 0.12 {
		t.Fatalf("effective rate gauge = %v, want about 0.1", r)
	}
}

func TestDatabasesBounded(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Budget.MaxDatabases = 3
	reg := prometheus.NewPedanticRegistry()
	s := newSampler(t, cfg, reg, nil)
	for db := range 10 {
		ld := plog.NewLogs()
		rl := ld.ResourceLogs().AppendEmpty()
		dbkeytest.Resource(rl.Resource(), db)
		rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty().SetEventName(contract.EventTopQuery)
		if _, err := s.Process(context.Background(), pipeline.FromLogs(ld)); err != nil {
			t.Fatal(err)
		}
	}
	if n := testutil.CollectAndCount(s.m.effectiveRate); n != 3 {
		t.Fatalf("effective rate series = %d, want 3", n)
	}
	if got := testutil.ToFloat64(s.m.dbEvicted); got != 7 {
		t.Fatalf("evicted = %v, want 7", got)
	}
}

func TestDedupCacheBounded(t *testing.T) {
	evicted := prometheus.NewCounter(prometheus.CounterOpts{Name: "x"})
	d := newDedupCache(1000, evicted)
	if got := d.capacity(); got < 1000 || got > 2000 {
		t.Fatalf("capacity %d for size 1000", got)
	}
	now := newClock().t
	key := func(i int) uint64 { return dbkey.Mix(uint64(i)) }
	for i := range 100 {
		if d.seen(key(i), now, time.Minute) {
			t.Fatalf("key %d seen before it was added", i)
		}
	}
	for i := range 100 {
		if !d.seen(key(i), now, time.Minute) {
			t.Fatalf("key %d not remembered", i)
		}
	}
	if d.seen(key(5), now.Add(time.Minute), time.Minute) {
		t.Fatal("key remembered past its window")
	}
	// Far more keys than slots: memory stays fixed and evictions are counted.
	for i := range 10_000 {
		d.seen(key(i+1000), now, time.Minute)
	}
	if got := testutil.ToFloat64(evicted); got < 10_000-float64(d.capacity()) {
		t.Fatalf("evicted %v", got)
	}
}
