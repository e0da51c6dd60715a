package gnutella

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/networkutopia/p2p/overlay"
	"github.com/networkutopia/p2p/transport/sim"
)

func newTestSim(t testing.TB, nodes int, ttl uint8) (*Sim, *overlay.Workload) {
	seed := sim.Seed(t)
	w, err := overlay.NewWorkload(overlay.WorkloadConfig{Nodes: nodes, Queries: 50, Seed: seed})
	require.NoError(t, err)
	s, err := NewSim(SimConfig{Workload: w, TTL: ttl, Seed: seed})
	require.NoError(t, err)
	return s, w
}

// Flooding with TTL 7 on a degree-8 overlay of 1000 nodes reaches every
// node, so every file is found; a query costs about N × (degree-1)
// messages.
func TestFloodTTL7FindsEverything(t *testing.T) {
	s, w := newTestSim(t, 1000, 7)
	for i, a := range s.Addrs[:10] {
		require.Len(t, s.Peer(i).Neighbours(), s.Graph.Degree(a))
	}
	var msgs uint64
	for _, q := range w.Queries[:20] {
		r := s.Query(q)
		require.True(t, r.Found, "query for file %d from node %d", q.File, q.Node)
		require.Equal(t, len(w.Holders[q.File])-count(w.Holders[q.File], q.Node), r.Hits)
		msgs += r.Messages
	}
	perQuery := float64(msgs) / 20
	require.InDelta(t, 1000*7, perQuery, 1000, "messages per query")
}

func count(s []int, x int) int {
	n := 0
	for _, v := range s {
		if v == x {
			n++
		}
	}
	return n
}
