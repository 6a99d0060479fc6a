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
	if !ok || sys.AsString() == "" {
		if svc, ok := attrs.Get(AttrServiceName); ok && svc.AsString() != "" {
			return BoundLabel("service:" + svc.AsString())
		}
		return ""
	}
	var b strings.Builder
	b.WriteString(sys.AsString())
	b.WriteString("://")
	if v, ok := attrs.Get(AttrServerAddress); ok {
		b.WriteString(v.AsString())
	}
	if v, ok := attrs.Get(AttrServerPort); ok {
		b.WriteByte(':')
		b.WriteString(v.AsString())
	}
	return BoundLabel(b.String())
}

// BoundLabel makes a value taken from input safe as a map key or metric
// label value: invalid UTF-8 becomes U+FFFD, and a value longer than
// MaxKeyLen bytes is cut and suffixed with "#" and the hash of the whole.
func BoundLabel(s string) string {
	if len(s) <= MaxKeyLen && utf8.ValidString(s) {
		return s
	}
	sum := strconv.FormatUint(xxhash.Sum64String(s), 16)
	// Only the part that is kept is repaired: a sender's 64 KB value costs
	// one hash pass, not a copy (a cut rune is repaired too, past the cut).
	short := len(s) <= MaxKeyLen
	s = strings.ToValidUTF8(s[:min(len(s), MaxKeyLen)], "\uFFFD")
	if short && len(s) <= MaxKeyLen {
		return s
	}
	cut := MaxKeyLen - len(sum) - 1
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "#" + sum
}
