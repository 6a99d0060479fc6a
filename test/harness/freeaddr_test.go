package harness

import "testing"

// TestFreeAddrNeverRepeats: the kernel hands a port just closed to a later
// listen often enough that, over a test process, two endpoints of one
// gateway once got the same port.
func TestFreeAddrNeverRepeats(t *testing.T) {
	seen := map[string]bool{}
	for range 2000 {
		a := FreeAddr(t)
		if seen[a] {
			t.Fatalf("%s handed out twice", a)
		}
		seen[a] = true
	}
}
