package contract

import (
	"strings"
	"testing"
	"unicode/utf8"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

func TestSourceKey(t *testing.T) {
	for _, tc := range []struct {
		name  string
		attrs map[string]any
		want  string
	}{
		{"server", map[string]any{AttrDBSystem: "postgresql", AttrServerAddress: "db1", AttrServerPort: 5432, AttrNamespace: "orders"}, "postgresql://db1:5432"},
		{"database names do not split a server", map[string]any{AttrDBSystem: "postgresql", AttrServerAddress: "db1", AttrServerPort: 5432}, "postgresql://db1:5432"},
		{"other sender", map[string]any{AttrServiceName: "checkout"}, "service:checkout"},
		{"nothing", map[string]any{"k": "v"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := pcommon.NewResource()
			if err := res.Attributes().FromRaw(tc.attrs); err != nil {
				t.Fatal(err)
			}
			if got := SourceKey(res); got != tc.want {
				t.Errorf("SourceKey = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestBoundLabel(t *testing.T) {
	long := strings.Repeat("é", 40000) // 80 KB
	other := long[:len(long)-2] + "x"
	for _, in := range []string{"ok", "bad\xff\xfeutf8", long, other, "\xff" + long} {
		out := BoundLabel(in)
		if !utf8.ValidString(out) || len(out) > MaxKeyLen {
			t.Errorf("BoundLabel(%.20q…) = %d bytes, valid=%v", in, len(out), utf8.ValidString(out))
		}
		if BoundLabel(out) != out {
			t.Errorf("BoundLabel not idempotent for %.20q", in)
		}
	}
	if BoundLabel(long) == BoundLabel(other) {
		t.Error("distinct long inputs share a label")
	}
	if BoundLabel("ok") != "ok" {
		t.Error("short valid input changed")
	}
}
