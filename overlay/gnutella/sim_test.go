package gnutella

import (
	"testing"
	"time"

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

// No message outlives its TTL: the audit sees every delivery of a run of
// floods (TTL 7 on 300 nodes, and TTL 2), checked every 100 ms; a forged
// message forwarded past its TTL breaks the invariant.
func TestFloodNoMessageOutlivesItsTTL(t *testing.T) {
	s, w := newTestSim(t, 300, 7)
	checks := 0
	s.Net.SetCheck(100*time.Millisecond, func() error { checks++; return s.CheckTTL() })
	for i, q := range w.Queries[:10] {
		if i == 5 {
			s.TTL = 2
		}
		require.True(t, s.Query(q).Found || s.TTL == 2)
	}
	require.Nil(t, s.Net.Violation())
	require.Greater(t, s.audit.Delivered, uint64(5*300), "each flood of TTL 7 reaches every node")
	t.Logf("%d checks, %d deliveries audited", checks, s.audit.Delivered)

	spent := NewMessage(GUIDFrom(s.Net.Rand()), 0, &Query{Criteria: "x"})
	spent.Header.Hops = 3
	nb := s.Graph.Neighbours(s.Addrs[0])[0]
	require.NoError(t, s.Net.Inject(s.Addrs[0], nb, spent))
	s.Net.Run(time.Second)
	v := s.Net.Violation()
	require.NotNil(t, v)
	require.ErrorIs(t, v, ErrMessageOutlivedTTL)
	t.Log(v.Err)
}
