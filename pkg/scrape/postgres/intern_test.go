package postgres

import (
	"testing"
	"unsafe"
)

// The interner hands out one string per value up to its bound, and new
// ones after a reset, so a window never keeps texts no session shows.
func TestInterner(t *testing.T) {
	in := newInterner(2)
	a, b := in.str([]byte("active")), in.str([]byte("active"))
	if a != "active" || unsafe.StringData(a) != unsafe.StringData(b) {
		t.Fatalf("%q and %q are not one string", a, b)
	}
	in.str([]byte("idle"))
	x, y := in.str([]byte("over the bound")), in.str([]byte("over the bound"))
	if x != y || unsafe.StringData(x) == unsafe.StringData(y) || len(in.m) != 2 {
		t.Errorf("beyond max: %d values kept, want 2 and a fresh string each time", len(in.m))
	}
	in.reset()
	if c := in.str([]byte("active")); c != "active" || unsafe.StringData(c) == unsafe.StringData(a) || len(in.m) != 1 {
		t.Errorf("after reset: %d values kept, want 1 new string", len(in.m))
	}
	if in.str(nil) != "" {
		t.Error("NULL bytes must read as the empty string")
	}
}
