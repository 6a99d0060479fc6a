package sample

import "github.com/dbintel/dbintel/pkg/pipeline/dbkey"

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
func salted(key uint64, salt uint64) uint64 { return dbkey.Mix(key ^ salt) }
