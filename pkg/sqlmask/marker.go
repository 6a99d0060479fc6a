package sqlmask

import (
	"cmp"
	"slices"
	"strings"
)

// Markers are what the verifier writes in place of a value it found
// ([REDACTED:email], [HASHED:email:0a1b…]). The SQL masker copies them
// around without lexing them: their hex would otherwise read as numbers and
// a second verification would not be a no-op.
const (
	RedactPrefix = "[REDACTED:"
	HashPrefix   = "[HASHED:"
)

// MarkerAt reports whether a marker starts at s[i].
func MarkerAt(s string, i int) bool { return markerEnd(s, i) > i }

// markerEnd returns the index after the ']' of the marker at s[i], or -1.
// Only the exact shapes the verifier writes count, [REDACTED:<type>] and
// [HASHED:<type>:<16 hex>]: a sender's "[REDACTED: 4111 1111 1111 1111]"
// is data, not a marker, and is scanned like any other text.
func markerEnd(s string, i int) int {
	rest := s[i:]
	var hashed bool
	switch {
	case strings.HasPrefix(rest, RedactPrefix):
		rest = rest[len(RedactPrefix):]
	case strings.HasPrefix(rest, HashPrefix):
		rest, hashed = rest[len(HashPrefix):], true
	default:
		return -1
	}
	n := 0
	for n < len(rest) && rest[n]-'a' < 26 {
		n++
	}
	if n == 0 || n > 16 {
		return -1
	}
	if hashed {
		if len(rest) < n+18 || rest[n] != ':' || !isHex(rest[n+1:n+17]) {
			return -1
		}
		n += 17
	}
	if n >= len(rest) || rest[n] != ']' {
		return -1
	}
	return len(s) - len(rest) + n + 1
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) && s[i]-'a' >= 6 {
			return false
		}
	}
	return true
}

// HasMarker reports whether s may hold a marker.
func HasMarker(s string) bool {
	return strings.Contains(s, RedactPrefix) || strings.Contains(s, HashPrefix)
}

// MarkerSpans appends the byte ranges of the markers in s to buf.
func MarkerSpans(s string, buf [][2]int) [][2]int {
	for off := 0; off < len(s); {
		k := strings.IndexByte(s[off:], '[')
		if k < 0 {
			break
		}
		i := off + k
		off = i + 1
		if e := markerEnd(s, i); e > 0 {
			buf = append(buf, [2]int{i, e})
			off = e
		}
	}
	return buf
}

// Overlaps reports whether [start, end) meets one of the sorted, disjoint
// spans.
func Overlaps(spans [][2]int, start, end int) bool {
	j, _ := slices.BinarySearchFunc(spans, start, func(m [2]int, t int) int { return cmp.Compare(m[1], t+1) })
	return j < len(spans) && spans[j][0] < end
}

// skipMarker returns the index of the ']' closing a marker at s[i], or i
// when no marker starts there.
func skipMarker(s string, i int) int {
	if s[i] == '[' {
		if e := markerEnd(s, i); e > 0 {
			return e - 1
		}
	}
	return i
}
