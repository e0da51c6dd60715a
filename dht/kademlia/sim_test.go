package kademlia

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/sim"
	"github.com/stretchr/testify/require"
)

// grow builds a network of n nodes in the simulator through the protocol.
func grow(tb testing.TB, cfg PeerConfig, n int, spacing, settle time.Duration) *Sim {
	tb.Helper()
	net, err := sim.New(sim.Config{Seed: sim.Seed(tb)})
	require.NoError(tb, err)
	s, err := NewSim(net, cfg)
	require.NoError(tb, err)
	require.NoError(tb, s.Grow(n, spacing))
	s.Run(settle)
	return s
}

var debugMiss = false

// batch is the outcome of lookups run together.
type batch struct {
	lookups, failed, exact, firstRight int
	hops, queries                      int
	found                              int // true K closest in the results
}

// lookupBatch runs count lookups of random IDs from random nodes, all in
// flight together, and checks each against the oracle.
func lookupBatch(s *Sim, count int) batch {
	net := s.Network()
	var b batch
	pending := count
	for range count {
		a := s.RandomAddr()
		p := s.Peer(a)
		target := RandomID(net.Rand())
		want := s.Closest(target, p.cfg.K+1)
		_ = net.Do(a, func(transport.Handler) {
			p.LookupID(target, func(r LookupResult, err error) {
				pending--
				b.lookups++
				if err != nil {
					b.failed++
					return
				}
				b.hops += r.Hops
				b.queries += r.Queries
				// the looking node itself is never in its own result
				wantOthers := make([]Contact, 0, len(want))
				for _, c := range want {
					if c.Addr != a {
						wantOthers = append(wantOthers, c)
					}
				}
				if len(r.Closest) > 0 && r.Closest[0] == wantOthers[0] {
					b.firstRight++
				}
				wantOthers = wantOthers[:min(len(wantOthers), p.cfg.K)]
				n := len(wantOthers)
				for _, c := range wantOthers {
					if slices.Contains(r.Closest, c) {
						b.found++
					}
				}
				if equalContacts(r.Closest, wantOthers) {
					b.exact++
				} else if debugMiss {
					for _, c := range wantOthers[:n] {
						if !slices.Contains(r.Closest, c) {
							holders := 0
							for _, qa := range s.Addrs() {
								if s.Peer(qa).table.has(c.ID) {
									holders++
								}
							}
							fmt.Printf("miss %s (rank %d, in %d tables, own contacts %d) hops %d queries %d\n", c, slices.Index(wantOthers, c), holders, s.Peer(c.Addr).table.len(), r.Hops, r.Queries)
						}
					}
				}
			})
		})
	}
	net.RunWhile(func() bool { return pending > 0 })
	return b
}

func equalContacts(a, b []Contact) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Lookups find the true K closest nodes, as the oracle knows them, in a
// network of 1 000 nodes, and 3 000 without -short (10 000 in
// BenchmarkKademliaHops).
func TestLookupFindsKClosest(t *testing.T) {
	sizes := []int{1000}
	switch {
	case raceEnabled:
		sizes = []int{300} // ten times slower
	case !testing.Short():
		sizes = append(sizes, 3000)
	}
	for _, n := range sizes {
		start := time.Now()
		s := grow(t, PeerConfig{}, n, 10*time.Millisecond, time.Minute)
		st := s.Network().Stats()
		t.Logf("grown: %d events, %d messages (%.0f per node), %v", st.Events, st.Sent, float64(st.Sent)/float64(n), time.Since(start).Round(time.Millisecond))
		b := lookupBatch(s, 1000)
		t.Logf("N=%d: hops/lookup %.2f, queries/lookup %.1f, first right %d/%d, exact %d/%d, failed %d (%v)",
			n, float64(b.hops)/float64(b.lookups-b.failed), float64(b.queries)/float64(b.lookups),
			b.firstRight, b.lookups, b.exact, b.lookups, b.failed, time.Since(start).Round(time.Millisecond))
		require.Zero(t, b.failed)
		require.Equal(t, b.lookups, b.firstRight, "the closest node is always found")
		require.Equal(t, b.lookups, b.exact, "the K closest are found")
	}
}
