//go:build unix

package plans

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time this process has used. Benchmarks divide work by
// it to report throughput per core that does not depend on how busy the
// (shared) machine is.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
