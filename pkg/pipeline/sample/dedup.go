package sample

import (
	"sync"
	"time"

	"github.com/dbintel/dbintel/pkg/pipeline/dbkey"
	"github.com/prometheus/client_golang/prometheus"
)

// The dedup table is split so that concurrent batches rarely wait for each
// other: a lookup holds one shard's lock for one table operation.
const (
	dedupShardBits = 4
	dedupShards    = 1 << dedupShardBits
)

// dedupCache remembers item keys until their window ends, in fixed
// dbkey.Tables of at least dedup_cache_size entries in all (stamp =
// expiry). A key replaced while still inside its window is counted as
// evicted; a repeat of it would then be kept. Safe for concurrent use.
type dedupCache struct {
	shards  [dedupShards]dedupShard
	evicted prometheus.Counter
}

type dedupShard struct {
	mu sync.Mutex
	t  *dbkey.Table
	_  [40]byte // keeps shards' locks on separate cache lines
}

func newDedupCache(size int, evicted prometheus.Counter) *dedupCache {
	d := &dedupCache{evicted: evicted}
	for i := range d.shards {
		d.shards[i].t = dbkey.NewTable((size + dedupShards - 1) / dedupShards)
	}
	return d
}

// seen reports whether key was seen within its window, and remembers it if
// not. The window runs from the first sighting: a steady stream of repeats
// lets one through per window.
func (d *dedupCache) seen(key uint64, now time.Time, window time.Duration) bool {
	t := now.UnixNano()
	// The table picks buckets by the low bits; the shard takes the high.
	sh := &d.shards[key>>(64-dedupShardBits)]
	sh.mu.Lock()
	expiry, ok := sh.t.Get(key)
	if ok && expiry > t {
		sh.mu.Unlock()
		return true
	}
	old := sh.t.Put(key, t+int64(window))
	sh.mu.Unlock()
	if old > t {
		d.evicted.Inc()
	}
	return false
}

// capacity is the number of entries over all shards.
func (d *dedupCache) capacity() int {
	n := 0
	for i := range d.shards {
		n += d.shards[i].t.Cap()
	}
	return n
}
