package gnutella

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/networkutopia/p2p/transport"
)

// The rules of Gnutella as the textbook (Kurose & Ross, ch. 2) states
// them, one test each; the protocol details are in node_test.go.

// "The overlay is the graph of TCP connections between peers, each with
// fewer than 10 neighbours."
func TestTextbookFewerThanTenNeighbours(t *testing.T) {
	require.Less(t, PeerConfig{}.withDefaults().MaxDegree, 10)
	tn := newTestNet(t)
	hub := tn.add(PeerConfig{KeepAlive: -1})
	for range 20 {
		tn.add(PeerConfig{KeepAlive: -1, Bootstrap: []transport.Addr{hub}})
	}
	tn.net.Run(2 * time.Second)
	require.Less(t, len(tn.node(hub).Neighbours()), 10)
}

// "Joining: try candidate peers until one TCP connection succeeds."
func TestTextbookJoinTriesCandidatesUntilOneConnects(t *testing.T) {
	tn := newTestNet(t)
	live := tn.add(PeerConfig{KeepAlive: -1})
	dead := []transport.Addr{"/sim/90", "/sim/91", "/sim/92"}
	joiner := tn.add(PeerConfig{Degree: 1, MaxDegree: 4, KeepAlive: time.Hour, Bootstrap: append(dead, live)})
	tn.net.Run(5 * time.Second)
	require.Equal(t, []transport.Addr{live}, tn.node(joiner).Neighbours())
}

// "Query is flooded over existing connections with limited scope (TTL);
// QueryHit returns along the reverse path."
func TestTextbookQueryFloodsWithLimitedScopeAndHitsReturnOnTheReversePath(t *testing.T) {
	tn := newTestNet(t)
	tn.line(5, PeerConfig{}, song)
	require.Empty(t, tn.search(tn.addrs[0], "song", 3, 2*time.Second), "the file is 4 hops away")
	hits := tn.search(tn.addrs[0], "song", 4, 2*time.Second)
	require.Len(t, hits, 1)
	for _, a := range tn.addrs[1:4] {
		require.Equal(t, uint64(1), tn.node(a).Stats().HitsRouted)
	}
}
