package gnutella

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/networkutopia/p2p/overlay"
	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/sim"
)

// Under churn (sessions of 10 minutes on average, every departure
// replaced by a newcomer that bootstraps from three random live servents)
// the overlay stays connected and searches keep succeeding: servents
// notice silent neighbours through keepalives and replace them from the
// hosts their Pongs taught them.
func TestOverlaySurvivesChurn(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates 40 minutes of a 300-servent overlay under churn")
	}
	net, err := sim.New(sim.Config{Seed: sim.Seed(t)})
	require.NoError(t, err)
	base := PeerConfig{Degree: 6, MaxDegree: 9, KeepAlive: 5 * time.Second}
	newcomer := func(env transport.Env) transport.Handler {
		c := base
		live := net.Live()
		for range 3 {
			if len(live) > 0 {
				c.Bootstrap = append(c.Bootstrap, live[env.Rand().IntN(len(live))])
			}
		}
		return newPeer(c.withDefaults(), env)
	}
	// 20 stable servents hold the file; 280 others come and go.
	var churning []transport.Addr
	for i := range 300 {
		c := base
		if i > 0 {
			c.Bootstrap = []transport.Addr{sim.NodeAddr(net.Rand().IntN(i))}
		}
		if i < 20 {
			c.Files = []overlay.File{song}
		}
		if a := net.AddNode(newTestPeer(t, c)); i >= 20 {
			churning = append(churning, a)
		}
		net.Run(100 * time.Millisecond)
	}
	net.Run(time.Minute)
	churn, err := net.StartChurn(churning, sim.ChurnConfig{Session: sim.Exponential{Mean: 10 * time.Minute}, Replace: true, New: newcomer})
	require.NoError(t, err)
	net.Run(40 * time.Minute)
	churn.Stop() // freeze the population to measure it
	require.Greater(t, churn.Stats().Leaves, 500, "most servents were replaced, some several times")

	g := overlay.NewGraph()
	live := net.Live()
	for _, a := range live {
		g.AddNode(a)
		for _, b := range net.Handler(a).(*Peer).Neighbours() {
			if net.IsUp(b) {
				g.AddEdge(a, b)
			}
		}
	}
	comps := g.Components()
	require.GreaterOrEqual(t, len(comps[0]), len(live)*95/100, "the largest component holds 95%% of the live servents")

	found := 0
	const queries = 50
	for q := range queries {
		from := live[(q*7919)%len(live)]
		hits := 0
		require.NoError(t, net.Do(from, func(h transport.Handler) {
			h.(*Peer).Search("free software song", 5, func(Hit) { hits++ })
		}))
		net.Run(5 * time.Second)
		if hits > 0 {
			found++
		}
	}
	t.Logf("churn: %d leaves; %d live, largest component %d; %d/%d searches found the file", churn.Stats().Leaves, len(live), len(comps[0]), found, queries)
	require.GreaterOrEqual(t, found, queries*9/10)
}
