package sample

import (
	"math"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// Keys are hashed with 64-bit FNV-1a, written out here so that hashing a
// string does not allocate, and finished with the SplitMix64 mixer so that
// keys differing in one character spread over the whole range. The result
// depends only on the bytes hashed: every gateway replica and every restart
// decide the same (hash/maphash would not: its seed is per process).
const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func hashString(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime
	}
	// A separator, so ("ab","c") and ("a","bc") differ.
	h ^= 0xff
	h *= fnvPrime
	return h
}

func hashUint(h, v uint64) uint64 {
	for i := 0; i < 8; i++ {
		h ^= v & 0xff
		h *= fnvPrime
		v >>= 8
	}
	return h
}

func hashBytes(h uint64, b []byte) uint64 {
	for _, c := range b {
		h ^= uint64(c)
		h *= fnvPrime
	}
	return h
}

func mix(h uint64) uint64 {
	h ^= h >> 30
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 27
	h *= 0x94d049bb133111eb
	h ^= h >> 31
	return h
}

// hashValue folds an attribute value into h without allocating for the
// common scalar types.
func hashValue(h uint64, v pcommon.Value) uint64 {
	h = hashUint(h, uint64(v.Type()))
	switch v.Type() {
	case pcommon.ValueTypeStr:
		return hashString(h, v.Str())
	case pcommon.ValueTypeInt:
		return hashUint(h, uint64(v.Int()))
	case pcommon.ValueTypeDouble:
		return hashUint(h, math.Float64bits(v.Double()))
	case pcommon.ValueTypeBool:
		if v.Bool() {
			return hashUint(h, 1)
		}
		return hashUint(h, 0)
	case pcommon.ValueTypeBytes:
		return hashBytes(h, v.Bytes().AsRaw())
	case pcommon.ValueTypeEmpty:
		return h
	}
	return hashString(h, v.AsString())
}

// hashMap folds every attribute, in order, into h.
func hashMap(h uint64, m pcommon.Map) uint64 {
	for k, v := range m.All() {
		h = hashString(h, k)
		h = hashValue(h, v)
	}
	return h
}

// keep reports whether a key hash falls under rate: the same key and rate
// give the same answer everywhere, and a key kept at some rate is kept at
// every higher rate.
func keep(h uint64, rate float64) bool {
	if rate >= 1 {
		return true
	}
	if rate <= 0 {
		return false
	}
	// 53 bits: exact in a float64, so rate*2^53 never overflows.
	return h>>11 < uint64(rate*(1<<53))
}

// salted derives the hash one decision uses from an item's key hash, so
// each rule and the budget draw independent decisions from the same key.
// With one shared hash, a budget applied after a rule would keep a share of
// the rule's survivors different from its own rate, and the budget's
// feedback would be off.
func salted(key uint64, salt uint64) uint64 { return mix(key ^ salt) }
