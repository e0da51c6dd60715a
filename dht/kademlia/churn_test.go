package kademlia

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Crashing 10% of the nodes twice, 20 minutes apart, loses no value: each is
// stored at K nodes, lookups route around the dead (their contacts fail
// and are replaced), and replication restores the replicas at the K
// closest nodes still up.
func TestChurnValuesSurvive(t *testing.T) {
	n, keys := 300, 100
	switch {
	case raceEnabled:
		n, keys = 100, 30
	case !testing.Short():
		n, keys = 2000, 500
	}
	cfg := PeerConfig{ReplicateInterval: 5 * time.Minute}
	s := grow(t, cfg, n, 10*time.Millisecond, time.Minute)
	net := s.Network()
	for i := range keys {
		stored, err := s.Put(s.RandomAddr(), fmt.Appendf(nil, "key-%d", i), fmt.Appendf(nil, "value-%d", i))
		require.NoError(t, err)
		require.Equal(t, DefaultK, stored)
	}
	crash := func() {
		addrs := s.Addrs()
		slices.Sort(addrs)
		for _, i := range net.Rand().Perm(len(addrs))[:len(addrs)/10] {
			require.NoError(t, s.Crash(addrs[i]))
		}
	}
	replicas := func() (minHeld int) {
		minHeld = DefaultK
		for i := range keys {
			key := HashKey(fmt.Appendf(nil, "key-%d", i))
			held := 0
			for _, c := range s.Closest(key, DefaultK) {
				if len(s.Peer(c.Addr).Values(key)) > 0 {
					held++
				}
			}
			minHeld = min(minHeld, held)
		}
		return minHeld
	}
	crash()
	t.Logf("after the first crash: every key on at least %d of its %d closest live nodes", replicas(), DefaultK)
	s.Run(20 * time.Minute)
	afterRepair := replicas()
	t.Logf("20 minutes later: at least %d of %d", afterRepair, DefaultK)
	require.GreaterOrEqual(t, afterRepair, DefaultK*3/4, "replication restored the replicas")
	crash()
	s.Run(5 * time.Minute)
	for i := range keys {
		got, err := s.Get(s.RandomAddr(), fmt.Appendf(nil, "key-%d", i))
		require.NoError(t, err, "key-%d", i)
		require.Equal(t, [][]byte{fmt.Appendf(nil, "value-%d", i)}, got)
	}
}

// Right after a fifth of the nodes crashed, before any repair, lookups
// still succeed and find the closest live node: the dead time out and the
// Alpha parallel requests route around them. Tables still full of dead
// contacts hide some of the furthest of the K closest; once the refresh
// pings have dropped the dead from the tables, lookups find them again.
func TestLookupsRouteAroundCrashes(t *testing.T) {
	s := grow(t, PeerConfig{}, 300, 10*time.Millisecond, time.Minute)
	addrs := s.Addrs()
	slices.Sort(addrs)
	for _, i := range s.Network().Rand().Perm(len(addrs))[:len(addrs)/5] {
		require.NoError(t, s.Crash(addrs[i]))
	}
	for round, minFound := range []float64{0.9, 0.99} {
		b := lookupBatch(s, 300)
		found := float64(b.found) / float64(b.lookups*DefaultK)
		t.Logf("round %d: closest right %d/%d, exact %d/%d, %.1f%% of the K closest found, queries/lookup %.1f",
			round, b.firstRight, b.lookups, b.exact, b.lookups, 100*found, float64(b.queries)/float64(b.lookups))
		require.Zero(t, b.failed)
		require.Equal(t, b.lookups, b.firstRight)
		require.GreaterOrEqual(t, found, minFound)
		s.Run(DefaultRefreshInterval + 5*time.Minute) // the refresh pings drop the dead
	}
}
