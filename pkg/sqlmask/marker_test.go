package sqlmask

import "testing"

func TestMarkerShapes(t *testing.T) {
	for _, c := range []struct {
		s    string
		want bool
	}{
		{"[REDACTED:email]", true}, {"[HASHED:card:0123456789abcdef]", true},
		{"[REDACTED: 4111 1111 1111 1111]", false}, {"[REDACTED:email 'x']", false},
		{"[HASHED:card:0123]", false}, {"[HASHED:card:0123456789abcdeg]", false}, {"[REDACTED:]", false},
	} {
		if got := MarkerAt(c.s, 0); got != c.want {
			t.Errorf("MarkerAt(%q) = %v", c.s, got)
		}
	}
	if got := Mask("a = '[REDACTED: bob]' AND b = [HASHED:email:0123456789abcdef]", ""); got != "a = ? AND b = [HASHED:email:0123456789abcdef]" {
		t.Errorf("Mask = %q", got)
	}
}
