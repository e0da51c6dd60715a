package sim

import "unsafe"

// prefetch asks the processor to start loading the cache line at p; it
// never faults and returns at once.
//
//go:noescape
func prefetch(p unsafe.Pointer)
