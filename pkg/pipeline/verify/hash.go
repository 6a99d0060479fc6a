package verify

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"sync"
)

// hasher computes the keyed, truncated HMAC-SHA256 of the hash action. The
// value is normalised first (digits only for numbers, lower case for email)
// so "4111 1111 1111 1111" and "4111-1111-1111-1111" join.
type hasher struct {
	pool sync.Pool
}

func newHasher(key []byte) *hasher {
	return &hasher{pool: sync.Pool{New: func() any { return hmac.New(sha256.New, key) }}}
}

// sum returns the first 16 hex digits of HMAC(key, type ":" normalised).
func (h *hasher) sum(t piiType, v string) string {
	mac := h.pool.Get().(hash.Hash)
	defer h.pool.Put(mac)
	mac.Reset()
	var nb [64]byte
	norm := nb[:0]
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch t {
		case typeCard, typeSSN, typePhone:
			if !isDigit(c) {
				continue
			}
		case typeIBAN:
			if c == ' ' {
				continue
			}
		case typeEmail:
			c = lower(c)
		}
		norm = append(norm, c)
	}
	mac.Write([]byte(typeNames[t]))
	mac.Write([]byte{':'})
	mac.Write(norm)
	var sb [sha256.Size]byte
	sum := mac.Sum(sb[:0])
	return hex.EncodeToString(sum[:8])
}
