package sample

import (
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"
	"github.com/prometheus/client_golang/prometheus"
)

// dedupCache remembers item keys until their window ends. It is bounded:
// past dedup_cache_size the least recently used key is evicted (and a repeat
// of it would then be kept). Not safe for concurrent use.
type dedupCache struct {
	lru *simplelru.LRU[uint64, int64] // key -> expiry, unix nanoseconds
	now int64
}

func newDedupCache(size int, evicted prometheus.Counter) (*dedupCache, error) {
	d := &dedupCache{}
	lru, err := simplelru.NewLRU(size, func(_ uint64, expiry int64) {
		// Only an entry still inside its window is a loss worth counting.
		if expiry > d.now {
			evicted.Inc()
		}
	})
	if err != nil {
		return nil, err
	}
	d.lru = lru
	return d, nil
}

// seen reports whether key was seen within its window, and remembers it if
// not. The window runs from the first sighting: a steady stream of repeats
// lets one through per window.
func (d *dedupCache) seen(key uint64, now time.Time, window time.Duration) bool {
	d.now = now.UnixNano()
	if expiry, ok := d.lru.Get(key); ok && expiry > d.now {
		return true
	}
	d.lru.Add(key, d.now+int64(window))
	return false
}
