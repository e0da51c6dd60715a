//go:build !unix

package authserver

import "time"

// cpuTime is unknown here: benchmarks report no CPU figure.
func cpuTime() time.Duration { return 0 }
