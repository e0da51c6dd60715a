package kademlia

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/networkutopia/p2p/dht"
	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/sim"
	"github.com/stretchr/testify/require"
)

// cost is the mean cost of lookups through dht.DHT.
type cost struct {
	hops, msgs float64
	failed     int
}

// routeCost routes count keys, each from a random member, through the
// shared interface; it is the same workload for Chord and Kademlia.
func routeCost(at func(transport.Addr) dht.DHT, random func() transport.Addr, count int) cost {
	var c cost
	ok := 0
	for i := range count {
		r, err := at(random()).Route(context.Background(), fmt.Appendf(nil, "key-%d", i))
		if err != nil {
			c.failed++
			continue
		}
		ok++
		c.hops += float64(r.Hops)
		c.msgs += float64(r.Messages)
	}
	if ok > 0 {
		c.hops, c.msgs = c.hops/float64(ok), c.msgs/float64(ok)
	}
	return c
}

// chordBesideKademlia builds a Chord ring and a Kademlia network (K 20,
// α 3) of n nodes each in the simulator, through their protocols, and
// routes the same keys in both through dht.DHT: in Kademlia with lookups
// that wait for all K closest nodes (strict) and, on the same network,
// for the β = 3 closest (beta). The ring's maintenance runs for settle
// first (fingers converge), Kademlia's for a minute.
func chordBesideKademlia(tb testing.TB, n, lookups int, settle time.Duration) (chord, strict, beta cost) {
	tb.Helper()
	net, err := sim.New(sim.Config{Seed: sim.Seed(tb)})
	require.NoError(tb, err)
	ring, err := dht.NewSim(net, dht.PeerConfig{})
	require.NoError(tb, err)
	require.NoError(tb, ring.Grow(n, 20*time.Millisecond))
	ring.Run(settle)
	chord = routeCost(ring.At, ring.RandomAddr, lookups)

	s := grow(tb, PeerConfig{K: 20, Alpha: 3}, n, 10*time.Millisecond, time.Minute)
	strict = routeCost(s.At, s.RandomAddr, lookups)
	for _, a := range s.Addrs() {
		s.Peer(a).cfg.Beta = 3
	}
	beta = routeCost(s.At, s.RandomAddr, lookups)
	return chord, strict, beta
}

// TestChordBesideKademlia: at the same N and on the same keys, Kademlia
// takes fewer hops than Chord and more messages (a strict lookup hears
// from the K closest nodes, where Chord asks one node a hop); ending at
// the β closest takes fewer messages than strict, as many hops.
func TestChordBesideKademlia(t *testing.T) {
	chord, strict, beta := chordBesideKademlia(t, 128, 100, 2*time.Minute)
	t.Logf("N 128: chord %.2f hops %.1f msgs; kademlia strict %.2f hops %.1f msgs (%.2fx), β 3 %.2f hops %.1f msgs (%.2fx)",
		chord.hops, chord.msgs, strict.hops, strict.msgs, strict.msgs/chord.msgs, beta.hops, beta.msgs, beta.msgs/chord.msgs)
	for _, c := range []cost{chord, strict, beta} {
		require.Zero(t, c.failed)
	}
	require.Less(t, strict.hops, chord.hops)
	require.Greater(t, strict.msgs, chord.msgs)
	require.Less(t, beta.msgs, strict.msgs)
	require.InDelta(t, strict.hops, beta.hops, 0.5)
	require.InDelta(t, 2*chord.hops, chord.msgs, 1e-9, "Chord's iterative lookup: a request and a reply a hop")
}

// BenchmarkChordBesideKademlia runs the same lookups through dht.DHT in
// Chord and Kademlia (K 20, α 3) networks of 10 000 nodes (KAD_BENCH_N)
// built in one run, and reports each one's hops and messages per lookup
// and Kademlia's messages over Chord's (aim: at most 3), for strict
// lookups and those that end at the β = 3 closest.
func BenchmarkChordBesideKademlia(b *testing.B) {
	if testing.Short() {
		b.Skip("builds networks of 10 000 nodes")
	}
	chord, strict, beta := chordBesideKademlia(b, benchN(), max(b.N, 1000), 10*time.Minute)
	b.ReportMetric(chord.hops, "chord-hops/lookup")
	b.ReportMetric(chord.msgs, "chord-msgs/lookup")
	b.ReportMetric(strict.hops, "kad-hops/lookup")
	b.ReportMetric(strict.msgs, "kad-msgs/lookup")
	b.ReportMetric(strict.msgs/chord.msgs, "msgs-ratio")
	b.ReportMetric(beta.hops, "kad-beta-hops/lookup")
	b.ReportMetric(beta.msgs, "kad-beta-msgs/lookup")
	b.ReportMetric(beta.msgs/chord.msgs, "beta-msgs-ratio")
}
