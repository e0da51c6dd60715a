package dht

import (
	"math"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/sim"
	"github.com/stretchr/testify/require"
)

// growRing builds a ring of n nodes in the simulator through the protocol:
// each node joins through a random member, spacing apart, then the
// maintenance rounds run for settle.
func growRing(tb testing.TB, cfg PeerConfig, n int, spacing, settle time.Duration) *Sim {
	tb.Helper()
	net, err := sim.New(sim.Config{Seed: sim.Seed(tb)})
	require.NoError(tb, err)
	ring, err := NewSim(net, cfg)
	require.NoError(tb, err)
	require.NoError(tb, ring.Grow(n, spacing))
	ring.Run(settle)
	return ring
}

// lookupBatch runs count lookups of random keys from random nodes, all in
// flight together, and returns the total hops, the lookups that found the
// true owner, and the failures.
func lookupBatch(ring *Sim, count int) (hops, correct, failed int) {
	net := ring.Network()
	pending := count
	for range count {
		p := ring.Random()
		var b [8]byte
		for j := range b {
			b[j] = byte(net.Rand().Uint32())
		}
		key := ring.Space().Hash(b[:])
		_ = net.Do(p.Self().Addr, func(transport.Handler) {
			p.LookupID(key, func(r LookupResult, err error) {
				pending--
				switch {
				case err != nil:
					failed++
				default:
					hops += r.Hops
					if r.Owner == ring.Owner(key) {
						correct++
					}
				}
			})
		})
	}
	net.RunWhile(func() bool { return pending > 0 })
	return hops, correct, failed
}

// BenchmarkLookupHops measures the mean path length of lookups on a ring of
// 10 000 nodes built by joins; the target is ½·log2 N + 1.
func BenchmarkLookupHops(b *testing.B) {
	const n = 10_000
	for _, mode := range []Mode{Iterative, Recursive} {
		b.Run(mode.String(), func(b *testing.B) {
			ring := growRing(b, PeerConfig{Mode: mode}, n, 20*time.Millisecond, 10*time.Minute)
			b.ResetTimer()
			hops, correct, failed := 0, 0, 0
			for done := 0; done < b.N; {
				batch := min(1000, b.N-done)
				h, c, f := lookupBatch(ring, batch)
				hops, correct, failed, done = hops+h, correct+c, failed+f, done+batch
			}
			mean := float64(hops) / float64(b.N-failed)
			bound := 0.5*math.Log2(n) + 1
			b.ReportMetric(mean, "hops/lookup")
			b.ReportMetric(mean/bound, "ratio-to-bound")
			b.ReportMetric(100*float64(correct)/float64(b.N), "correct-%")
		})
	}
}

// TestHopsGrowAsLogN is the experiment of the issue: mean hops for
// N = 2^6 ... 2^14 (2^16 with DHT_EXPERIMENT=full; 2^10 under the race
// detector, where 2^14 alone took 448 s), each ring built by joins,
// against ½·log2 N.
func TestHopsGrowAsLogN(t *testing.T) {
	if testing.Short() {
		t.Skip("builds rings of up to 16 384 nodes")
	}
	maxExp := 14 // a minute or two; 2^16 takes over ten (measured: 8.33 hops)
	switch {
	case os.Getenv("DHT_EXPERIMENT") == "full":
		maxExp = 16
	case raceEnabled:
		maxExp = 10
	}
	var first, last float64
	for exp := 6; exp <= maxExp; exp += 2 {
		n := 1 << exp
		start := time.Now()
		ring := growRing(t, PeerConfig{}, n, 10*time.Millisecond, 10*time.Minute)
		hops, correct, failed := lookupBatch(ring, 2000)
		mean := float64(hops) / float64(2000-failed)
		t.Logf("N=%6d  hops/lookup %.2f  ½·log2 N = %.2f  correct %d/2000  (%v)", n, mean, float64(exp)/2, correct, time.Since(start).Round(time.Second))
		require.LessOrEqual(t, mean, float64(exp)/2+1)
		require.Equal(t, 2000, correct)
		if first == 0 {
			first = mean
		}
		last = mean
	}
	require.Greater(t, last, first, "hops grow with N")
}

// BenchmarkChurn is pinned by the issue: 10 000 nodes, constant population
// (each departure replaced by a fresh node joining), exponential sessions of
// mean 1 h, 10 000 keys put before churn starts, 2 virtual hours, 1 000
// lookups per virtual minute from random live nodes.
func BenchmarkChurn(b *testing.B) {
	for range b.N {
		res := runChurn(b, churnScenario{
			Nodes: 10_000, Keys: 10_000, Session: time.Hour, Duration: 2 * time.Hour, LookupsPerMinute: 1000,
		})
		b.ReportMetric(res.SuccessPercent, "success-%")
		b.ReportMetric(float64(res.LostKeys), "lost-keys")
		b.ReportMetric(res.MsgsPerNodeSec, "msgs/node/s")
		b.ReportMetric(float64(res.Departures), "departures")
	}
}

// BenchmarkChurnSmall is BenchmarkChurn scaled down (2 000 nodes, 30
// minutes), to tune quickly.
func BenchmarkChurnSmall(b *testing.B) {
	for range b.N {
		res := runChurn(b, churnScenario{
			Nodes: 2000, Keys: 2000, Session: time.Hour, Duration: 30 * time.Minute, LookupsPerMinute: 1000,
		})
		b.ReportMetric(res.SuccessPercent, "success-%")
		b.ReportMetric(float64(res.LostKeys), "lost-keys")
		b.ReportMetric(res.MsgsPerNodeSec, "msgs/node/s")
	}
}

// BenchmarkSimScale joins 100 000 nodes one after another and runs 100 000
// lookups, 10 000 in flight at a time from random nodes; the target is
// under 60 s of wall time on one core. The lookups run in few large
// batches because the ring's maintenance costs wall time for every
// virtual second they take (at 100 000 nodes about 100 000 messages: a
// node sends about one a second, BenchmarkChurn's msgs/node/s).
// DHT_SCALE_N=<nodes> grows a smaller ring, to profile quickly. It
// reports memory too: the heap per idle node and the peak heap.
func BenchmarkSimScale(b *testing.B) {
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("DHT_SCALE_N")); err == nil && v > 0 {
		n = v
	}
	scaleRun{nodes: n, lookups: 100_000, inFlight: 10_000, spacing: time.Millisecond}.run(b)
}
