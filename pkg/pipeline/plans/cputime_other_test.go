//go:build !unix

package plans

import "time"

// cpuTime is unknown here; benchmarks then skip the per-CPU-second figure.
func cpuTime() time.Duration { return 0 }
