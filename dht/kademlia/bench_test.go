package kademlia

import (
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/networkutopia/p2p/dht"
	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/sim"
	"github.com/stretchr/testify/require"
)

// benchN is the network size of the hop benchmarks: 10 000, or
// KAD_BENCH_N to try others quickly.
func benchN() int {
	if v, err := strconv.Atoi(os.Getenv("KAD_BENCH_N")); err == nil && v > 0 {
		return v
	}
	return 10_000
}

// BenchmarkKademliaHops measures lookups in a network of 10 000 nodes
// built by joins, with K = 20 and α = 3, beside Chord (package dht,
// iterative lookups) on the same N:
//
//   - hops/lookup: Kademlia, the referral depth of the closest node found;
//     Chord, the nodes on the path to the key's successor;
//   - msgs/lookup: the messages of the lookup itself, requests and
//     replies (Kademlia: 2 × queries, Chord: 2 × hops); neither counts
//     maintenance, and Kademlia's count leaves out the pings with which
//     the nodes asked check a requester they do not know;
//   - correct-%: Kademlia, lookups that found exactly the K closest live
//     nodes; Chord, lookups that found the key's successor.
//
// kademlia's lookups wait for all K closest nodes to answer;
// kademlia-beta3's end once the 3 closest answered (PeerConfig.Beta).
func BenchmarkKademliaHops(b *testing.B) {
	if testing.Short() {
		b.Skip("builds networks of 10 000 nodes")
	}
	n := benchN()
	for _, beta := range []int{0, 3} {
		name := "kademlia"
		if beta > 0 {
			name = fmt.Sprintf("kademlia-beta%d", beta)
		}
		b.Run(name, func(b *testing.B) {
			s := grow(b, PeerConfig{K: 20, Alpha: 3, Beta: beta}, n, 10*time.Millisecond, time.Minute)
			b.ResetTimer()
			var total batch
			for done := 0; done < b.N; {
				bt := lookupBatch(s, min(1000, b.N-done))
				done += bt.lookups
				total.lookups += bt.lookups
				total.failed += bt.failed
				total.exact += bt.exact
				total.hops += bt.hops
				total.queries += bt.queries
			}
			ok := float64(total.lookups - total.failed)
			b.ReportMetric(float64(total.hops)/ok, "hops/lookup")
			b.ReportMetric(2*float64(total.queries)/float64(total.lookups), "msgs/lookup")
			b.ReportMetric(100*float64(total.exact)/float64(total.lookups), "correct-%")
		})
	}
	b.Run("chord", func(b *testing.B) {
		net, err := sim.New(sim.Config{Seed: sim.Seed(b)})
		require.NoError(b, err)
		ring, err := dht.NewSim(net, dht.PeerConfig{})
		require.NoError(b, err)
		require.NoError(b, ring.Grow(n, 20*time.Millisecond))
		ring.Run(10 * time.Minute)
		b.ResetTimer()
		hops, correct, failed := 0, 0, 0
		for done := 0; done < b.N; {
			count := min(1000, b.N-done)
			pending := count
			for range count {
				a := ring.RandomAddr()
				p := ring.Peer(a)
				key := dht.ID(RandomID(net.Rand()))
				_ = net.Do(a, func(transport.Handler) {
					p.LookupID(key, func(r dht.LookupResult, err error) {
						pending--
						if err != nil {
							failed++
							return
						}
						hops += r.Hops
						if r.Owner == ring.Owner(key) {
							correct++
						}
					})
				})
			}
			net.RunWhile(func() bool { return pending > 0 })
			done += count
		}
		ok := float64(b.N - failed)
		b.ReportMetric(float64(hops)/ok, "hops/lookup")
		b.ReportMetric(2*float64(hops)/ok, "msgs/lookup")
		b.ReportMetric(100*float64(correct)/float64(b.N), "correct-%")
	})
}
