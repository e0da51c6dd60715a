package dht

import (
	"runtime"
	"testing"
	"time"
)

func TestDbgMem(t *testing.T) {
	ring := growRing(t, Config{}, 2000, 5*time.Millisecond, time.Minute)
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	t.Logf("heap %d MB for %d nodes: %d KB/node, events pending %d", ms.HeapAlloc>>20, ring.Len(), ms.HeapAlloc/uint64(ring.Len())>>10, ring.Network().Stats().Pending)
}
