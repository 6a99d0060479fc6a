package sample

import (
	"time"

	"github.com/dbintel/dbintel/pkg/pipeline/dbkey"
	"github.com/prometheus/client_golang/prometheus"
)

// dedupCache remembers item keys until their window ends, in a fixed
// dbkey.Table of at least dedup_cache_size entries (stamp = expiry). A key
// replaced while still inside its window is counted as evicted; a repeat of
// it would then be kept. Not safe for concurrent use.
type dedupCache struct {
	t       *dbkey.Table
	evicted prometheus.Counter
}

func newDedupCache(size int, evicted prometheus.Counter) *dedupCache {
	return &dedupCache{t: dbkey.NewTable(size), evicted: evicted}
}

// seen reports whether key was seen within its window, and remembers it if
// not. The window runs from the first sighting: a steady stream of repeats
// lets one through per window.
func (d *dedupCache) seen(key uint64, now time.Time, window time.Duration) bool {
	t := now.UnixNano()
	if expiry, ok := d.t.Get(key); ok && expiry > t {
		return true
	}
	if expiry := d.t.Put(key, t+int64(window)); expiry > t {
		d.evicted.Inc()
	}
	return false
}

// touch loads key's entry so that the seen that follows finds it in cache.
func (d *dedupCache) touch(key uint64) { d.t.Touch(key) }
