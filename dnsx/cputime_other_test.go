//go:build !unix

package dnsx

import "time"

// cpuTime is not measured here.
func cpuTime() time.Duration { return 0 }
