//go:build unix

package testutil

import (
	"syscall"
	"time"
)

// CPUTime is the process's user and system CPU time so far (0 if the
// system cannot say). Benchmarks on a shared machine report CPU time per
// operation beside wall time: it says what wall time would be on an idle
// core.
func CPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
