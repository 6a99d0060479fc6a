package dbkey

import (
	"math"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// Stable hashes for sampling decisions, dedup and series identity.
//
// Keys are hashed with 64-bit FNV-1a, written out here so that hashing a
// string does not allocate, and finished with the SplitMix64 mixer so that
// keys differing in one character spread over the whole range. The result
// depends only on the bytes hashed: every gateway replica and every restart
// decide the same (hash/maphash would not: its seed is per process).
const (
	// HashOffset is the initial value of every hash.
	HashOffset = 14695981039346656037
	fnvPrime   = 1099511628211
)

// HashString folds s into h.
func HashString(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime
	}
	// A separator, so ("ab","c") and ("a","bc") differ.
	h ^= 0xff
	h *= fnvPrime
	return h
}

// HashUint folds v into h.
func HashUint(h, v uint64) uint64 {
	for i := 0; i < 8; i++ {
		h ^= v & 0xff
		h *= fnvPrime
		v >>= 8
	}
	return h
}

// HashBytes folds b into h.
func HashBytes(h uint64, b []byte) uint64 {
	for _, c := range b {
		h ^= uint64(c)
		h *= fnvPrime
	}
	return h
}

// Mix finishes a hash so that its bits are evenly spread.
func Mix(h uint64) uint64 {
	h ^= h >> 30
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 27
	h *= 0x94d049bb133111eb
	h ^= h >> 31
	return h
}

// HashValue folds an attribute value into h without allocating for the
// common scalar types.
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
