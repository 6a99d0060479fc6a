package load

import (
	"crypto/sha256"
	"os"
	"testing"
	"time"
)

// The readers see this process's own CPU time grow and its peak RSS.
func TestProcReaders(t *testing.T) {
	pid := os.Getpid()
	before, err := cpuSeconds(pid)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 1<<20)
	for deadline := time.Now().Add(300 * time.Millisecond); time.Now().Before(deadline); {
		sha256.Sum256(buf) // burn CPU the reader must see
	}
	after, err := cpuSeconds(pid)
	if err != nil {
		t.Fatal(err)
	}
	if after <= before {
		t.Errorf("CPU seconds %v then %v: the reader missed 300 ms of work", before, after)
	}
	rss, err := peakRSSMiB(pid)
	if err != nil || rss < 1 {
		t.Errorf("peak RSS %v MiB, %v", rss, err)
	}
	if _, err := cpuSeconds(-1); err == nil {
		t.Error("no error for a process that does not exist")
	}
}
