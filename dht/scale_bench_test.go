package dht

import (
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"

	"github.com/networkutopia/p2p/internal/testutil"
)

// scaleRun is one scale benchmark: nodes joined through the protocol, one
// every spacing (or slower while the ring is small, see Sim.Grow), a
// minute of maintenance, then lookups from random nodes, inFlight at a
// time.
type scaleRun struct {
	nodes, lookups, inFlight int
	spacing                  time.Duration
}

// run reports wall and CPU time (the collection for the idle figure
// included in CPU), lookups per second, hops, correctness, the
// simulator's events (messages and timers) and their rate, and memory: the heap per idle node (after the ring settled and a garbage
// collection, the simulator and the oracle included) and the peak heap
// of the whole run. The collection before the idle figure is not timed.
func (s scaleRun) run(b *testing.B) {
	for range b.N {
		peak := startPeakHeap()
		cpu := testutil.CPUTime()
		start := time.Now()
		ring := growRing(b, PeerConfig{}, s.nodes, s.spacing, time.Minute)
		grown := time.Since(start)
		gcStart := time.Now()
		var ms runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&ms)
		gcTime := time.Since(gcStart)
		hops, correct, failed := 0, 0, 0
		for done := 0; done < s.lookups; done += s.inFlight {
			h, c, f := lookupBatch(ring, min(s.inFlight, s.lookups-done))
			hops, correct, failed = hops+h, correct+c, failed+f
		}
		elapsed := time.Since(start) - gcTime
		cpuUsed := testutil.CPUTime() - cpu
		st := ring.Network().Stats()
		b.ReportMetric(float64(st.Events), "events")
		b.ReportMetric(float64(st.Events)/elapsed.Seconds(), "events/s")
		b.ReportMetric(float64(s.lookups)/elapsed.Seconds(), "lookups/s")
		b.ReportMetric(elapsed.Seconds(), "wall-s")
		b.ReportMetric(cpuUsed.Seconds(), "cpu-s") // GC workers on the other core included
		b.ReportMetric(grown.Seconds(), "grow-s")
		b.ReportMetric(float64(hops)/float64(s.lookups-failed), "hops/lookup")
		b.ReportMetric(100*float64(correct)/float64(s.lookups), "correct-%")
		b.ReportMetric(float64(ms.HeapAlloc)/float64(s.nodes), "idle-B/node")
		b.ReportMetric(float64(peak())/(1<<20), "peak-heap-MiB")
		runtime.KeepAlive(ring)
	}
}

// startPeakHeap samples the heap's object bytes (live and not yet swept)
// every 20 ms until the returned function is called, which returns the
// largest sample.
func startPeakHeap() func() uint64 {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() uint64 { metrics.Read(sample); return sample[0].Value.Uint64() }
	var (
		mu   sync.Mutex
		peak = read()
		stop = make(chan struct{})
		wg   sync.WaitGroup
	)
	wg.Go(func() {
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				v := read()
				mu.Lock()
				peak = max(peak, v)
				mu.Unlock()
			}
		}
	})
	return func() uint64 {
		close(stop)
		wg.Wait()
		return max(peak, read())
	}
}

// BenchmarkSimMillion is BenchmarkSimScale at 1 000 000 nodes and
// 1 000 000 lookups, 100 000 in flight at a time, nodes joining ten times
// faster (one every 100 µs once the ring has 10 000 members: the same
// join rate per member as 100 000 nodes at 1 ms) so that the growth
// does not take a virtual quarter of an hour of maintenance. It takes
// minutes and gigabytes: skipped under -short, not run in CI.
func BenchmarkSimMillion(b *testing.B) {
	if testing.Short() {
		b.Skip("a million nodes: minutes and gigabytes")
	}
	scaleRun{nodes: 1_000_000, lookups: 1_000_000, inFlight: 100_000, spacing: 100 * time.Microsecond}.run(b)
}
