//go:build !unix

package testutil

import "time"

// ProcessCPU cannot read the process's CPU time on this system.
func ProcessCPU() (time.Duration, bool) { return 0, false }
