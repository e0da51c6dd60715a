package dht

import (
	"testing"
	"time"

	"github.com/networkutopia/p2p/transport"
	"github.com/stretchr/testify/require"
)

// TestJoinAfterFailedAttempt is the regression test of a node left out of
// the ring for good, found by CheckStable after partitions (seed
// 618207319323762292 of TestRingInvariantsUnderPartitions): a join
// attempt failed after the node had taken a successor and told its
// predecessor, which then routed lookups of the node's ID to it; every
// later attempt asked the node itself, which answered as the owner of its
// own ID, and failed with "a node already has our ID". A new attempt now
// starts from empty tables. (autoJoin also keeps retrying rather than
// giving up after five attempts.)
func TestJoinAfterFailedAttempt(t *testing.T) {
	ring := growRing(t, PeerConfig{Bits: 6, Successors: 3}, 0, 0, 0)
	require.NoError(t, ring.AddIDs(10, 20, 30))
	ring.Run(time.Minute)
	net := ring.Network()
	id := ring.Space().FromUint64(25)
	newH, err := NewPeer(PeerConfig{Bits: 6, Successors: 3, ID: &id})
	require.NoError(t, err)
	a := net.AddNode(newH)
	p := net.Handler(a).(*Peer)
	p20, p30 := ring.PeerByID(20), ring.PeerByID(30)
	// What the failed attempt left behind.
	p.succs, p.pred = []NodeInfo{p30.self}, p20.self
	p20.succs = append([]NodeInfo{p.self}, p20.succs...)

	var joinErr error
	joined := false
	require.NoError(t, net.Do(a, func(transport.Handler) {
		p.Join([]transport.Addr{ring.PeerByID(10).self.Addr}, func(err error) { joinErr, joined = err, true })
	}))
	net.RunWhile(func() bool { return !joined })
	require.NoError(t, joinErr)
	require.True(t, p.Joined())
	ring.Run(time.Minute)
	require.NoError(t, ring.CheckStable())
	r, err := ring.LookupID(ring.PeerByID(10).self.Addr, ring.Space().FromUint64(24))
	require.NoError(t, err)
	require.Equal(t, p.self, r.Owner, "the honest node is found")
}
