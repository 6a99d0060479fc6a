package nesting

import (
	"strings"
	"testing"
)

func TestDepthOK(t *testing.T) {
	deep := func(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
	tests := []struct {
		name string
		in   string
		max  int
		want bool
	}{
		{"empty", "", 1, true},
		{"scalar", `"x"`, 0, true},
		{"at the limit", deep(3), 3, true},
		{"one past", deep(4), 3, false},
		{"objects and arrays count together", `{"a":[{"b":1}]}`, 2, false},
		{"siblings do not add up", `[[1],[2],[3]]`, 2, true},
		{"brackets inside strings", `["[[[[{{{{"]`, 1, true},
		{"escaped quote keeps the string open", `["\"[[[["]`, 1, true},
		{"escaped backslash closes the string", `["\\",[[1]]]`, 2, false},
		{"unicode escape", `["\u005b\u005b",[]]`, 2, true},
		{"unbalanced closers are not a depth", `]]]]{}`, 1, true},
		{"million deep", deep(1_000_000), MaxDepth, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := DepthOK([]byte(tt.in), tt.max); got != tt.want {
				t.Fatalf("DepthOK(%.40q, %d) = %v, want %v", tt.in, tt.max, got, tt.want)
			}
		})
	}
}

// TestScannerAcrossChunks: splitting the input anywhere, even inside an
// escape, gives DepthOK's answer.
func TestScannerAcrossChunks(t *testing.T) {
	in := []byte(`{"a":"\\\"[[[","b":[[{"c":"]]"}]]}`)
	for _, max := range []int{3, 4} {
		want := DepthOK(in, max)
		for cut := range len(in) + 1 {
			s := Scanner{Max: max}
			if got := s.Feed(in[:cut]) && s.Feed(in[cut:]); got != want {
				t.Fatalf("max %d, cut at %d: %v, want %v", max, cut, got, want)
			}
		}
	}
}

func TestDepthOKDoesNotAllocate(t *testing.T) {
	b := []byte(strings.Repeat(`{"a":["x\"y",`, 50) + strings.Repeat("]}", 50))
	if n := testing.AllocsPerRun(100, func() { DepthOK(b, MaxDepth) }); n != 0 {
		t.Fatalf("%v allocations per call", n)
	}
}

func BenchmarkDepthOK(b *testing.B) {
	body := []byte(strings.Repeat(`{"key":"value with \"quotes\"","v":[1,2,3]},`, 20000))
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		DepthOK(body, MaxDepth)
	}
}
