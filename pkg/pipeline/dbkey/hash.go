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
// hash with a rotate-xor-multiply step, so order matters and ("ab","c")
// differs from ("a","bc"). Mix finishes a hash with the SplitMix64 mixer.
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

// HashValue folds an attribute value into h.
func HashValue(h uint64, v pcommon.Value) uint64 {
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
	case pcommon.ValueTypeEmpty:
		return h
	}
	return HashString(h, v.AsString())
}

// HashMap folds every attribute, in order, into h.
func HashMap(h uint64, m pcommon.Map) uint64 {
	for k, v := range m.All() {
		h = HashString(h, k)
		h = HashValue(h, v)
	}
	return h
}
