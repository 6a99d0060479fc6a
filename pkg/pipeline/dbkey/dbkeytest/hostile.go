package dbkeytest

import (
	"context"
	"runtime/debug"
	"strconv"
	"testing"
	"unicode/utf8"

	"github.com/dbintel/dbintel/pkg/contract"
	"github.com/dbintel/dbintel/pkg/pipeline"
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/collector/pdata/pcommon"
)

// Invalid is not valid UTF-8: a Prometheus label value made of it panics.
const Invalid = "db\xff\xfe\xc3"

// identityAttrs are every resource attribute a stage may read to tell
// sources apart.
var identityAttrs = [...]string{
	contract.AttrDBSystem, contract.AttrServerAddress, contract.AttrServerPort, contract.AttrNamespace,
	contract.AttrServiceName, contract.AttrServiceInstanceID, contract.AttrHostName, contract.AttrMySQLEndpoint,
	contract.AttrDBProduct,
}

// Hostile builds what a buggy or malicious sender might: sources (one
// resource each for metrics and logs) whose identity attributes, query ids,
// metric and event attributes hold name, made distinct per source by a
// numeric suffix. Each source carries a per-query point, an infrastructure
// point, a top_query event with a plan attribute (the plan itself is small:
// plans have their own limits), and a query_sample event.
func Hostile(sources int, name string) pipeline.Batch {
	b := pipeline.NewBatch()
	for i := range sources {
		v := name + strconv.Itoa(i)
		rm := b.Metrics.ResourceMetrics().AppendEmpty()
		hostileResource(rm.Resource(), v)
		ms := rm.ScopeMetrics().AppendEmpty().Metrics()
		q := ms.AppendEmpty()
		q.SetName(v)
		qp := q.SetEmptySum().DataPoints().AppendEmpty()
		qp.Attributes().PutStr(contract.PGQueryID, v)
		qp.Attributes().PutStr(v, v)
		qp.SetDoubleValue(1)
		g := ms.AppendEmpty()
		g.SetName("postgresql.backends")
		gp := g.SetEmptyGauge().DataPoints().AppendEmpty()
		gp.Attributes().PutStr(contract.AttrNamespace, v)
		gp.SetIntValue(1)

		rl := b.Logs.ResourceLogs().AppendEmpty()
		hostileResource(rl.Resource(), v)
		lrs := rl.ScopeLogs().AppendEmpty().LogRecords()
		top := lrs.AppendEmpty()
		top.SetEventName(contract.EventTopQuery)
		top.Attributes().PutStr(contract.PGQueryID, v)
		top.Attributes().PutStr(contract.AttrNamespace, v)
		top.Attributes().PutStr(contract.PGQueryPlan, `[{"Plan":{"Node Type":"Seq Scan","Relation Name":"t`+strconv.Itoa(i)+`","Total Cost":1}}]`)
		s := lrs.AppendEmpty()
		s.SetEventName(contract.EventQuerySample)
		s.Attributes().PutStr(contract.PGSampleQueryID, v)
		s.Attributes().PutStr(v, v)
	}
	return b
}

func hostileResource(res pcommon.Resource, v string) {
	for _, k := range identityAttrs {
		res.Attributes().PutStr(k, v)
	}
}

// CheckLabels fails t when a self-metric of g has a label value that is
// not valid UTF-8 or longer than contract.MaxKeyLen, or when g holds more
// than maxSeries series: what /metrics and the status page show must stay
// small whatever the input.
func CheckLabels(t testing.TB, g prometheus.Gatherer, maxSeries int) {
	t.Helper()
	families, err := g.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	series := 0
	for _, f := range families {
		for _, m := range f.GetMetric() {
			series++
			for _, l := range m.GetLabel() {
				if v := l.GetValue(); !utf8.ValidString(v) || len(v) > contract.MaxKeyLen {
					t.Errorf("%s{%s}: label value of %d bytes, valid UTF-8 %v", f.GetName(), l.GetName(), len(v), utf8.ValidString(v))
				}
			}
		}
	}
	if series > maxSeries {
		t.Errorf("%d self-metric series, want at most %d", series, maxSeries)
	}
}

// DeepDepth nests Deep's values deep enough that any recursive walk of
// them needs more than DeepMaxStack of goroutine stack.
const (
	DeepDepth    = 100_000
	DeepMaxStack = 16 << 20
)

// Deep builds kvlists nested DeepDepth levels deep (iteratively: the
// builder itself must not recurse) where stages read values: a database
// resource's db.system.name, a service resource's service.name, a point's
// query id, a record's query id, db.namespace and body. Run a stage on it
// under debug.SetMaxStack(DeepMaxStack): a recursive walk is then a fatal
// stack overflow, as a million levels are under the default limit.
func Deep() pipeline.Batch {
	nest := func(m pcommon.Map) {
		for range DeepDepth {
			m = m.PutEmptyMap("k")
		}
	}
	b := pipeline.NewBatch()
	rm := b.Metrics.ResourceMetrics().AppendEmpty()
	nest(rm.Resource().Attributes().PutEmptyMap(contract.AttrDBSystem))
	m := rm.ScopeMetrics().AppendEmpty().Metrics().AppendEmpty()
	m.SetName("m")
	p := m.SetEmptySum().DataPoints().AppendEmpty()
	nest(p.Attributes().PutEmptyMap(contract.PGQueryID))

	rl := b.Logs.ResourceLogs().AppendEmpty()
	nest(rl.Resource().Attributes().PutEmptyMap(contract.AttrServiceName))
	lr := rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
	lr.SetEventName(contract.EventQueryPlan)
	nest(lr.Attributes().PutEmptyMap(contract.PGQueryID))
	nest(lr.Attributes().PutEmptyMap(contract.AttrNamespace))
	nest(lr.Body().SetEmptyMap())
	return b
}

// Stage is a pipeline stage as the hostile checks drive it.
type Stage interface {
	Process(context.Context, pipeline.Batch) (pipeline.Batch, error)
}

// RunHostile runs the checks every stage that reads sender values must
// pass, on stages built by newStage on the given registry (nil: none):
//   - identity: invalid UTF-8 in every identity attribute, query id and
//     attribute neither panics (a Prometheus label value of it does) nor
//     reaches a self-metric label;
//   - deep: values nested DeepDepth levels wherever the stage reads one are
//     never walked recursively (a million levels overflowed the default
//     1 GB stack; here a recursive walk overflows DeepMaxStack).
func RunHostile[S Stage](t *testing.T, newStage func(t *testing.T, reg prometheus.Registerer) S) {
	t.Run("identity", func(t *testing.T) {
		reg := prometheus.NewRegistry()
		s := newStage(t, reg)
		for range 2 {
			if _, err := s.Process(context.Background(), Hostile(3, Invalid)); err != nil {
				t.Fatal(err)
			}
		}
		CheckLabels(t, reg, 1000)
	})
	t.Run("deep", func(t *testing.T) {
		s := newStage(t, nil)
		b := Deep()
		defer debug.SetMaxStack(debug.SetMaxStack(DeepMaxStack))
		if _, err := s.Process(context.Background(), b); err != nil {
			t.Fatal(err)
		}
	})
}
