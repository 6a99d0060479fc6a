package status

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/dbintel/dbintel/pkg/pipeline"
	"github.com/dbintel/dbintel/pkg/pipeline/cardinality"
	"github.com/dbintel/dbintel/pkg/pipeline/dbbreaker"
	"github.com/dbintel/dbintel/pkg/pipeline/dbkey/dbkeytest"
	"github.com/dbintel/dbintel/pkg/pipeline/plans"
	"github.com/dbintel/dbintel/pkg/pipeline/sample"
)

// gateway is the stages that keep state per source, with their defaults,
// on one registry, behind the status page and /metrics.
type gateway struct {
	reg   *prometheus.Registry
	chain *pipeline.Chain
	srv   *httptest.Server
	m     *httptest.Server
}

func startGateway(t *testing.T) *gateway {
	t.Helper()
	reg := prometheus.NewRegistry()
	extractor, err := plans.New(plans.DefaultConfig(), reg, nil)
	if err != nil {
		t.Fatal(err)
	}
	sampler, err := sample.New(sample.DefaultConfig(), reg, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	breaker, err := dbbreaker.New(dbbreaker.DefaultConfig(), reg, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	cards, err := cardinality.New(cardinality.DefaultConfig(), reg, nil)
	if err != nil {
		t.Fatal(err)
	}
	chain := pipeline.NewChain(reg, pipeline.ConsumerFunc(func(context.Context, pipeline.Batch) error { return nil }),
		pipeline.NamedStage{Name: "plans", Stage: extractor}, pipeline.NamedStage{Name: "sample", Stage: sampler},
		pipeline.NamedStage{Name: "breaker", Stage: breaker}, pipeline.NamedStage{Name: "cardinality", Stage: cards})
	changes := func() []PlanChange {
		var out []PlanChange
		for _, c := range extractor.RecentChanges() {
			out = append(out, PlanChange{At: c.At, Database: c.Database, QueryID: c.QueryID, OldHash: c.OldHash, NewHash: c.NewHash})
		}
		return out
	}
	g := &gateway{reg: reg, chain: chain,
		srv: httptest.NewServer(Handler(reg, Source{Version: "test", Stages: chain.StageNames, PlanChanges: changes})),
		m:   httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))}
	t.Cleanup(g.srv.Close)
	t.Cleanup(g.m.Close)
	return g
}

// send feeds sources hostile sources, perBatch at a time, each named
// prefix + batch + source number.
func (g *gateway) send(t *testing.T, sources, perBatch int, prefix string) {
	t.Helper()
	for i := 0; i < sources; i += perBatch {
		if err := g.chain.Consume(context.Background(), dbkeytest.Hostile(perBatch, prefix+strconv.Itoa(i)+"/")); err != nil {
			t.Fatal(err)
		}
	}
}

func get(t *testing.T, url string) []byte {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %v", url, resp.StatusCode, err)
	}
	return body
}

// TestSixThousandHugeSourceNames: 6,000 sources whose every identity
// attribute is 64 KB (with invalid UTF-8) made /metrics, / and /api/status
// 131 MB each. State per source is bounded by count and each key by
// contract.MaxKeyLen, so what a person or Prometheus reads stays small.
func TestSixThousandHugeSourceNames(t *testing.T) {
	g := startGateway(t)
	g.send(t, 6000, 100, strings.Repeat("x", 64<<10)+dbkeytest.Invalid)

	dbkeytest.CheckLabels(t, g.reg, 2500) // breaker and sampler: 1,000 sources each, plus fixed series
	var rep Report
	api := get(t, g.srv.URL+"/api/status")
	if err := json.Unmarshal(api, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.SourceCount > dbbreaker.DefaultConfig().MaxKeys+sample.DefaultConfig().Budget.MaxDatabases+MaxRows ||
		len(rep.Sources) > MaxRows || len(rep.PlanChanges) > MaxRows {
		t.Errorf("tables: %d sources (%d shown), %d plan changes", rep.SourceCount, len(rep.Sources), len(rep.PlanChanges))
	}
	page, metrics := get(t, g.srv.URL+"/"), get(t, g.m.URL)
	t.Logf("/api/status %d bytes, / %d bytes, /metrics %d bytes; %d sources",
		len(api), len(page), len(metrics), rep.SourceCount)
	for name, size := range map[string]int{"/api/status": len(api), "/": len(page)} {
		if size > 128<<10 {
			t.Errorf("%s is %d bytes, want at most 128 KiB", name, size)
		}
	}
	if len(metrics) > 1<<20 {
		t.Errorf("/metrics is %d bytes, want at most 1 MiB", len(metrics))
	}
}

// TestHundredThousandSources: per-source state stays within its caps (the
// heap does not grow with the sources seen) and every eviction is counted.
func TestHundredThousandSources(t *testing.T) {
	if testing.Short() {
		t.Skip("100,000 sources through four stages")
	}
	g := startGateway(t)
	g.send(t, 1000, 1000, "warm")
	before := heap()
	const sources = 100_000
	g.send(t, sources, 1000, "db")
	grown := int64(heap()) - int64(before)
	t.Logf("heap grew %d KiB over %d more sources", grown>>10, sources)
	if grown > 64<<20 {
		t.Errorf("heap grew %d MiB", grown>>20)
	}
	for _, c := range []struct {
		metric string
		min    float64
	}{
		{"dbintel_sampler_databases_evicted_total", sources},
		{"dbintel_breaker_keys_evicted_total", sources},
		{"dbintel_plans_cache_evictions_total", sources + 1000 - float64(plans.DefaultConfig().ChangeCacheSize)},
		{"dbintel_cardinality_folded_points_total", 1},
	} {
		if got := gathered(t, g.reg, c.metric); got < c.min {
			t.Errorf("%s = %v, want at least %v", c.metric, got, c.min)
		}
	}
}

func heap() uint64 {
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

func gathered(t *testing.T, g prometheus.Gatherer, name string) float64 {
	t.Helper()
	n, err := testutil.GatherAndCount(g, name)
	if err != nil || n != 1 {
		t.Fatalf("%s: %d series, %v", name, n, err)
	}
	families, _ := g.Gather()
	for _, f := range families {
		if f.GetName() == name {
			return value(f.GetMetric()[0])
		}
	}
	return 0
}
