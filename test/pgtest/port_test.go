package pgtest

import (
	"net"
	"strconv"
	"testing"
)

// TestPortTakenAtFirstStart: a port another process took between the
// helper choosing it and the server binding it (test packages run in
// parallel) is replaced by a free one instead of failing the test.
func TestPortTakenAtFirstStart(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	taken := busy.Addr().(*net.TCPAddr).Port
	s := Start(t, WithSetting("port", strconv.Itoa(taken)))
	if s.Port() == taken {
		t.Fatalf("server reports the taken port %d", taken)
	}
	s.Exec(t, "SELECT 1")
}
