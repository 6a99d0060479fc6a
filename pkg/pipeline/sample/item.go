package sample

import (
	"math"
	"strconv"
	"time"

	"github.com/dbintel/dbintel/pkg/contract"
	"github.com/dbintel/dbintel/pkg/pipeline/dbkey"
	"go.opentelemetry.io/collector/pdata/pcommon"
)

// item is the read view of one metric point, log record or span that the
// rules are evaluated on. Fields that do not apply are empty. Hashes are
// computed at most once per item, and only when a decision needs them.
type item struct {
	res        *resource
	attrs      pcommon.Map
	name       string // metric, event or span name, for content hashes
	metricName string
	eventName  string
	value      float64
	hasValue   bool
	queryLevel bool
	isEvent    bool // a log record
	isError    bool
	ts         pcommon.Timestamp
	body       pcommon.Value // log records only; zero otherwise
	traceID    pcommon.TraceID

	key, content       uint64
	hasKey, hasContent bool
}

// resource is the per-resource part of items, computed once per resource.
type resource struct {
	attrs    pcommon.Map
	hash     uint64 // of the source key, for dedup
	dbKey    string // contract.SourceKey: valid UTF-8, bounded
	resolved bool
	db       *dbBudget
}

func newResource(res pcommon.Resource) *resource {
	r := &resource{attrs: res.Attributes(), dbKey: contract.SourceKey(res)}
	if r.dbKey == "" {
		r.dbKey = "unknown"
	}
	r.hash = dbkey.HashString(dbkey.HashOffset, r.dbKey)
	return r
}

// budget returns the resource's database budget, looked up once.
func (r *resource) budget(b *budgets, now time.Time) *dbBudget {
	if !r.resolved {
		r.db, r.resolved = b.get(r.dbKey, now), true
	}
	return r.db
}

// reset prepares it for the next record of the same resource.
func (it *item) reset() {
	res := it.res
	*it = item{res: res}
}

// keyHash hashes the configured key attributes (record, then resource),
// else the trace id, else the content.
func (it *item) keyHash(names []string) uint64 {
	if it.hasKey {
		return it.key
	}
	h, found := it.attrHash(uint64(dbkey.HashOffset), names)
	if len(names) == 0 {
		if q := contract.QueryID(it.attrs); q != "" {
			h, found = dbkey.HashString(dbkey.HashOffset, q), true
		}
	}
	switch {
	case found:
		it.key = dbkey.Mix(h)
	case !it.traceID.IsEmpty():
		it.key = dbkey.Mix(dbkey.HashBytes(dbkey.HashOffset, it.traceID[:]))
	default:
		it.key = it.contentHash()
	}
	it.hasKey = true
	return it.key
}

func (it *item) attrHash(h uint64, names []string) (uint64, bool) {
	found := false
	for _, n := range names {
		v, ok := it.attrs.Get(n)
		if !ok {
			v, ok = it.res.attrs.Get(n)
		}
		if ok {
			h = dbkey.HashValue(dbkey.HashString(h, n), v)
			found = true
		}
	}
	return h, found
}

// dedupHash keys a dedup: the database, the name, and the values of names,
// or the whole content when names is empty or none is present.
func (it *item) dedupHash(names []string, salt uint64) uint64 {
	h := dbkey.HashString(dbkey.HashUint(salt, it.res.hash), it.name)
	if h2, found := it.attrHash(h, names); found {
		return dbkey.Mix(h2)
	}
	return dbkey.Mix(h ^ it.contentHash())
}

// contentHash covers everything that makes two records the same record.
func (it *item) contentHash() uint64 {
	if it.hasContent {
		return it.content
	}
	h := dbkey.HashString(dbkey.HashUint(dbkey.HashOffset, it.res.hash), it.name)
	h = dbkey.HashMap(h, it.attrs)
	h = dbkey.HashUint(h, uint64(it.ts))
	h = dbkey.HashUint(h, math.Float64bits(it.value))
	h = dbkey.HashBytes(h, it.traceID[:])
	if it.body != (pcommon.Value{}) {
		h = dbkey.HashValue(h, it.body)
	}
	it.content, it.hasContent = dbkey.Mix(h), true
	return it.content
}

// numeric reads an attribute as a number; NaN when it is not one (NaN
// compares false with everything).
func numeric(v pcommon.Value) float64 {
	switch v.Type() {
	case pcommon.ValueTypeDouble:
		return v.Double()
	case pcommon.ValueTypeInt:
		return float64(v.Int())
	case pcommon.ValueTypeStr:
		if f, err := strconv.ParseFloat(v.Str(), 64); err == nil {
			return f
		}
	}
	return math.NaN()
}
