package postgres

import (
	"strings"
	"testing"
)

func TestCommentTags(t *testing.T) {
	for _, tc := range []struct {
		query, raw, guid string
	}{
		{"/*nr_service_guid='MTIzNDU2fEFQTXxBUFBMSUNBVElPTnw3ODk',route='%2Fapi%2Forders'*/ SELECT 1",
			"nr_service_guid='MTIzNDU2fEFQTXxBUFBMSUNBVElPTnw3ODk',route='/api/orders'", "MTIzNDU2fEFQTXxBUFBMSUNBVElPTnw3ODk"},
		{"SELECT 1", "", ""},
		{"SELECT 1 /* unterminated", "", ""},
		// A comment carrying a literal-looking value keeps only the plain pairs.
		{"/*email='bob@example.com',card='4111 1111 1111 1111',app='web'*/ SELECT 1", "app='web'", ""},
		{"/*" + strings.Repeat("k='v',", 100) + "*/", strings.TrimSuffix(strings.Repeat("k='v',", maxTags), ","), ""},
		{"/*nr_service_guid='" + strings.Repeat("a", 500) + "'*/", "", ""},
	} {
		got := commentTags(tc.query)
		if got.raw != tc.raw || got.serviceGUID != tc.guid {
			t.Errorf("commentTags(%.40q) = %+v, want raw %q guid %q", tc.query, got, tc.raw, tc.guid)
		}
	}
}

func TestPGArray(t *testing.T) {
	if got := pgArray(nil); got != "{}" {
		t.Fatalf("empty = %q", got)
	}
	if got := pgArray([]int32{12, 7}); got != "{12,7}" {
		t.Fatalf("pids = %q", got)
	}
}
