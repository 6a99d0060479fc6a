package contract

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/cespare/xxhash/v2"
	"go.opentelemetry.io/collector/pdata/pcommon"
)

// MaxKeyLen caps a source key in bytes. Keys become map keys, metric label
// values and status-page rows; a sender controls them, so a longer key is
// cut and suffixed with a hash of the whole (distinct inputs stay distinct,
// memory stays bounded).
const MaxKeyLen = 200

// SourceKey names the source of a resource, the unit that per-source state
// (breakers, sampler budgets, plan hashes, status rows) is kept for:
//   - a database server: "postgresql://db1:5432" (db.system.name, then
//     server.address and server.port when present). One server is one New
//     Relic entity, so its databases share one key;
//   - any other sender: "service:checkout" (service.name);
//   - "" when the resource says nothing about its source.
//
// The result is valid UTF-8 and at most MaxKeyLen bytes.
func SourceKey(res pcommon.Resource) string {
	attrs := res.Attributes()
	sys, ok := attrs.Get(AttrDBSystem)
	if !ok || ValueString(sys) == "" {
		if svc, ok := attrs.Get(AttrServiceName); ok && ValueString(svc) != "" {
			return BoundLabel("service:" + ValueString(svc))
		}
		return ""
	}
	k := newKeyBuilder()
	k.add(ValueString(sys))
	k.add("://")
	if v, ok := attrs.Get(AttrServerAddress); ok {
		k.add(ValueString(v))
	}
	if v, ok := attrs.Get(AttrServerPort); ok {
		k.add(":")
		k.add(ValueString(v))
	}
	return k.String()
}

// keyBuilder concatenates parts into what BoundLabel returns for the
// whole, keeping only the first MaxKeyLen+1 bytes and hashing as it goes:
// a sender's 64 KB attributes are read once and never copied.
type keyBuilder struct {
	head strings.Builder
	d    *xxhash.Digest
	n    int
}

func newKeyBuilder() *keyBuilder { return &keyBuilder{d: xxhash.New()} }

func (k *keyBuilder) add(s string) {
	_, _ = k.d.WriteString(s)
	k.n += len(s)
	if room := MaxKeyLen + 1 - k.head.Len(); room > 0 {
		k.head.WriteString(s[:min(len(s), room)])
	}
}

func (k *keyBuilder) String() string {
	if k.n <= MaxKeyLen {
		return BoundLabel(k.head.String())
	}
	return bound(k.head.String()[:MaxKeyLen], false, k.d.Sum64())
}

// BoundLabel makes a value taken from input safe as a map key or metric
// label value: invalid UTF-8 becomes U+FFFD, and a value longer than
// MaxKeyLen bytes is cut and suffixed with "#" and the hash of the whole.
func BoundLabel(s string) string {
	if len(s) <= MaxKeyLen && utf8.ValidString(s) {
		return s
	}
	return bound(s[:min(len(s), MaxKeyLen)], len(s) <= MaxKeyLen, xxhash.Sum64String(s))
}

// bound finishes BoundLabel from the value's first MaxKeyLen bytes (all of
// it when whole) and the hash of all of it. Only the part that is kept is
// repaired: a 64 KB value costs one hash pass, not a copy (a rune cut at
// the end is repaired too, past the cut).
func bound(head string, whole bool, sum uint64) string {
	head = strings.ToValidUTF8(head, "\uFFFD")
	if whole && len(head) <= MaxKeyLen {
		return head
	}
	hs := strconv.FormatUint(sum, 16)
	cut := MaxKeyLen - len(hs) - 1
	for cut > 0 && !utf8.RuneStart(head[cut]) {
		cut--
	}
	return head[:cut] + "#" + hs
}
