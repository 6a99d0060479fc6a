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
func MarkerAt(s string, i int) bool {
	return strings.HasPrefix(s[i:], RedactPrefix) || strings.HasPrefix(s[i:], HashPrefix)
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
		if MarkerAt(s, i) {
			if e := strings.IndexByte(s[i:], ']'); e > 0 {
				buf = append(buf, [2]int{i, i + e + 1})
				off = i + e + 1
			}
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
	if s[i] == '[' && MarkerAt(s, i) {
		if e := strings.IndexByte(s[i:], ']'); e > 0 {
			return i + e
		}
	}
	return i
}
