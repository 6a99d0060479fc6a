package dbkey

import (
	"math"
	"math/bits"

	"github.com/cespare/xxhash/v2"
	"go.opentelemetry.io/collector/pdata/pcommon"
)

// Stable hashes for sampling decisions, dedup and series identity.
//
// Each string is hashed with xxHash64 (seed 0) and folded into the running
// hash with a rotate-xor-multiply step, so the order of folds matters and
// ("ab","c") differs from ("a","bc"); HashMap alone ignores key order. Mix finishes a hash with the SplitMix64 mixer.
// The result depends only on the bytes hashed: every gateway replica and
// every restart decide the same (hash/maphash would not: its seed is per
// process). Nothing here allocates for scalar attribute values.

// HashOffset is the initial value of every hash.
const HashOffset uint64 = 14695981039346656037

const prime = 0x9e3779b97f4a7c15

// HashUint folds v into h.
func HashUint(h, v uint64) uint64 {
	return (bits.RotateLeft64(h, 27) ^ v) * prime
}

// HashString folds s into h.
func HashString(h uint64, s string) uint64 { return HashUint(h, xxhash.Sum64String(s)) }

// HashBytes folds b into h.
func HashBytes(h uint64, b []byte) uint64 { return HashUint(h, xxhash.Sum64(b)) }

// Mix finishes a hash so that its bits are evenly spread.
func Mix(h uint64) uint64 {
	h ^= h >> 30
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 27
	h *= 0x94d049bb133111eb
	h ^= h >> 31
	return h
}

// maxDepth bounds how deep HashValue looks into nested maps and slices.
// Deeper content folds in only its type and length: a sender can nest a
// value a million levels deep, and the walk must not follow it.
const maxDepth = 16

// HashValue folds an attribute value into h. Maps hash the same whatever
// the order of their keys.
func HashValue(h uint64, v pcommon.Value) uint64 { return hashValue(h, v, 0) }

func hashValue(h uint64, v pcommon.Value, depth int) uint64 {
	h = HashUint(h, uint64(v.Type()))
	switch v.Type() {
	case pcommon.ValueTypeStr:
		return HashString(h, v.Str())
	case pcommon.ValueTypeInt:
		return HashUint(h, uint64(v.Int()))
	case pcommon.ValueTypeDouble:
		return HashUint(h, math.Float64bits(v.Double()))
	case pcommon.ValueTypeBool:
		if v.Bool() {
			return HashUint(h, 1)
		}
		return HashUint(h, 0)
	case pcommon.ValueTypeBytes:
		return HashBytes(h, v.Bytes().AsRaw())
	case pcommon.ValueTypeMap:
		return hashMap(h, v.Map(), depth+1)
	case pcommon.ValueTypeSlice:
		s := v.Slice()
		h = HashUint(h, uint64(s.Len()))
		if depth+1 > maxDepth {
			return h
		}
		for _, e := range s.All() {
			h = hashValue(h, e, depth+1)
		}
	}
	return h
}

// HashMap folds every attribute into h, whatever their order: {x,y} and
// {y,x} are one series. Each entry is hashed on its own and the mixed
// entry hashes are added (addition commutes; unlike xor, a repeated entry
// does not cancel itself out).
func HashMap(h uint64, m pcommon.Map) uint64 { return hashMap(h, m, 0) }

func hashMap(h uint64, m pcommon.Map, depth int) uint64 {
	h = HashUint(h, uint64(m.Len()))
	if depth > maxDepth {
		return h
	}
	var sum uint64
	for k, v := range m.All() {
		sum += Mix(hashValue(HashString(HashOffset, k), v, depth))
	}
	return HashUint(h, sum)
}
