package dbkey

import "math/bits"

// Table remembers up to a fixed number of 64-bit keys (hashes), each with
// an int64 stamp (an expiry or a last-seen time). Buckets of four entries
// fill one cache line and are chosen by the key, which must already be
// mixed (see Mix); a new key replaces the entry of its bucket with the
// smallest stamp. Compared with hashicorp/golang-lru this costs one cache
// miss per operation, never allocates after NewTable, and holds no pointers
// for the garbage collector to scan; the price is that eviction is
// least-stamp within a bucket rather than globally least-recent. Measured
// on the sampler's dedup: about 0.5 µs per item with golang-lru on a full
// cache, under 0.1 µs with this table. Not safe for concurrent use.
type Table struct {
	buckets []bucket
	mask    uint64
}

type entry struct {
	key   uint64
	stamp int64 // 0 = empty
}

type bucket [4]entry

// NewTable returns a table of at least size entries (a power of two
// buckets of four).
func NewTable(size int) *Table {
	n := uint64(1) << bits.Len64(uint64(max(size/len(bucket{}), 1))-1)
	return &Table{buckets: make([]bucket, n), mask: n - 1}
}

// Cap is the number of entries.
func (t *Table) Cap() int { return len(t.buckets) * len(bucket{}) }

// Get returns key's stamp.
func (t *Table) Get(key uint64) (int64, bool) {
	b := &t.buckets[key&t.mask]
	for i := range b {
		if b[i].key == key && b[i].stamp != 0 {
			return b[i].stamp, true
		}
	}
	return 0, false
}

// Put sets key's stamp (non-zero), in place when key is present, else over
// the bucket's entry with the smallest stamp, whose stamp it returns (0 when
// the slot was empty).
func (t *Table) Put(key uint64, stamp int64) (evicted int64) {
	b := &t.buckets[key&t.mask]
	victim := 0
	for i := range b {
		if b[i].key == key && b[i].stamp != 0 {
			b[i].stamp = stamp
			return 0
		}
		if b[i].stamp < b[victim].stamp {
			victim = i
		}
	}
	evicted = b[victim].stamp
	b[victim] = entry{key: key, stamp: stamp}
	return evicted
}
