package gnutella

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/networkutopia/p2p/internal/golden"
	"github.com/networkutopia/p2p/overlay"
	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/sim"
)

// TestFloodTraceGolden pins what every servent of a small overlay did for
// one query (testdata/flood.golden; rewrite with -update): a ring of 8
// servents with two chords, TTL 3, the file on two servents. The
// simulation is deterministic, so any change of behaviour shows here.
func TestFloodTraceGolden(t *testing.T) {
	net, err := sim.New(sim.Config{Seed: 42, LatencyMin: 10 * time.Millisecond, LatencyMax: 40 * time.Millisecond})
	require.NoError(t, err)
	edges := map[int][]int{0: {1, 4}, 1: {2}, 2: {3, 6}, 3: {4}, 4: {5}, 5: {6}, 6: {7}, 7: {0}}
	var addrs []transport.Addr
	for i := range 8 {
		c := PeerConfig{KeepAlive: -1}
		for _, j := range edges[i] {
			c.Bootstrap = append(c.Bootstrap, sim.NodeAddr(j))
		}
		if i == 3 || i == 5 {
			c.Files = []overlay.File{song}
		}
		addrs = append(addrs, net.AddNode(newTestPeer(t, c)))
	}
	net.Run(time.Second)
	var hits []string
	require.NoError(t, net.Do(addrs[0], func(h transport.Handler) {
		h.(*Peer).Search("song", 3, func(hit Hit) {
			hits = append(hits, fmt.Sprintf("hit from %s, %d hops, at %v", hit.Addr, hit.Hops, net.Elapsed()))
		})
	}))
	net.Run(2 * time.Second)

	var out strings.Builder
	for _, h := range hits {
		fmt.Fprintln(&out, h)
	}
	for _, a := range addrs {
		n := net.Handler(a).(*Peer)
		s := n.Stats()
		fmt.Fprintf(&out, "%s neighbours=%v in=%d out=%d queries=%d dups=%d hits-sent=%d hits-routed=%d\n",
			a, n.Neighbours(), s.In, s.Out, s.Queries, s.Duplicates, s.HitsSent, s.HitsRouted)
	}
	golden.Check(t, "testdata/flood.golden", out.String())
}
