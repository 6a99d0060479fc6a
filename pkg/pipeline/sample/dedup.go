package sample

import (
	"math/bits"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// dedupCache remembers item keys until their window ends, in a fixed table
// of at least size entries: 4-way set-associative buckets of one cache line
// each, the bucket chosen by the (already mixed) key. A new key replaces the
// entry of its bucket that expires first. That bounds memory like an LRU but
// costs one cache miss per item and holds no pointers for the garbage
// collector to scan; measured on the realistic batch, hashicorp/golang-lru
// made the dedup cost about 0.5 µs per item on a full cache (map churn, list
// nodes, GC scanning) and two generations of Go maps about 0.35 µs. A key
// replaced while still inside its window is counted as evicted; a repeat of
// it would then be kept. Not safe for concurrent use.
type dedupCache struct {
	buckets []bucket
	mask    uint64
	evicted prometheus.Counter
	sink    int64 // keeps touch's loads from being optimised away
}

type entry struct {
	key    uint64
	expiry int64 // unix nanoseconds; 0 = empty
}

type bucket [4]entry

func newDedupCache(size int, evicted prometheus.Counter) *dedupCache {
	n := uint64(1) << bits.Len64(uint64(max(size/len(bucket{}), 1))-1) // next power of two
	return &dedupCache{buckets: make([]bucket, n), mask: n - 1, evicted: evicted}
}

// seen reports whether key was seen within its window, and remembers it if
// not. The window runs from the first sighting: a steady stream of repeats
// lets one through per window.
func (d *dedupCache) seen(key uint64, now time.Time, window time.Duration) bool {
	t := now.UnixNano()
	b := &d.buckets[key&d.mask]
	victim := 0
	for i := range b {
		if b[i].key == key && b[i].expiry > t {
			return true
		}
		if b[i].expiry < b[victim].expiry {
			victim = i
		}
	}
	if b[victim].expiry > t {
		d.evicted.Inc()
	}
	b[victim] = entry{key: key, expiry: t + int64(window)}
	return false
}

// touch loads key's bucket so that the seen that follows finds it in cache.
func (d *dedupCache) touch(key uint64) {
	d.sink += d.buckets[key&d.mask][0].expiry
}
