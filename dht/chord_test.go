package dht

import (
	"fmt"
	"testing"
	"time"

	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/sim"
	"github.com/stretchr/testify/require"
)

// Tests named after the rules of the Chord paper (Stoica et al. 2001) and
// the textbook, each checking one.

// newRing grows a ring of n nodes through the protocol and lets it settle.
func newRing(t testing.TB, cfg PeerConfig, n int) *Sim {
	t.Helper()
	net, err := sim.New(sim.Config{Seed: sim.Seed(t)})
	require.NoError(t, err)
	ring, err := NewSim(net, cfg)
	require.NoError(t, err)
	require.NoError(t, ring.Grow(n, 100*time.Millisecond))
	ring.Run(2 * time.Minute)
	return ring
}

// checkLookups looks up count keys from random nodes and requires each to
// find the key's immediate successor; it returns the mean hop count.
func checkLookups(t *testing.T, ring *Sim, count int) float64 {
	t.Helper()
	hops := 0
	for i := range count {
		key := ring.Space().Hash(fmt.Appendf(nil, "key-%d", i))
		r, err := ring.LookupID(ring.RandomAddr(), key)
		require.NoError(t, err)
		require.Equal(t, ring.Owner(key), r.Owner, "key %s", key.Short())
		require.Equal(t, r.Hops, len(r.Path))
		if r.Hops > 0 {
			require.Equal(t, r.Owner, r.Path[len(r.Path)-1], "the path ends at the owner")
		}
		hops += r.Hops
	}
	return float64(hops) / float64(count)
}

func TestKeyIsStoredAtItsImmediateSuccessor(t *testing.T) {
	for _, mode := range []Mode{Iterative, Recursive} {
		t.Run(mode.String(), func(t *testing.T) {
			ring := newRing(t, PeerConfig{Mode: mode}, 64)
			mean := checkLookups(t, ring, 100)
			require.LessOrEqual(t, mean, 0.5*6+1, "about ½·log2 N hops")
		})
	}
}

func TestWithoutFingersLookupsWalkTheRing(t *testing.T) {
	ring := newRing(t, PeerConfig{NoFingers: true, Successors: 1, Replicas: 1}, 32)
	mean := checkLookups(t, ring, 50)
	require.Greater(t, mean, 8.0, "O(N): about N/2 hops")
}

func TestJoinedNodeIsFoundAtOnce(t *testing.T) {
	ring := newRing(t, PeerConfig{}, 20)
	a, err := ring.Add(nil)
	require.NoError(t, err)
	p := ring.Peer(a)
	r, err := ring.LookupID(ring.Nodes()[0].Addr, p.Self().ID)
	require.NoError(t, err)
	require.Equal(t, p.Self(), r.Owner, "immediate notification: no stabilization round needed")
}

func TestConcurrentJoinsConvergeToOneRing(t *testing.T) {
	net, err := sim.New(sim.Config{Seed: sim.Seed(t)})
	require.NoError(t, err)
	ring, err := NewSim(net, PeerConfig{})
	require.NoError(t, err)
	require.NoError(t, ring.Grow(100, 5*time.Millisecond)) // joins overlap
	ring.Run(3 * time.Minute)
	nodes := ring.Nodes()
	for i, n := range nodes {
		p := ring.Peer(n.Addr)
		require.Equal(t, nodes[(i+1)%len(nodes)], p.Successors()[0], "successor of %s", n)
		require.Equal(t, nodes[(i+len(nodes)-1)%len(nodes)], p.Predecessor(), "predecessor of %s", n)
	}
}

func TestSuccessorListTakesOverWhenSuccessorsFail(t *testing.T) {
	ring := newRing(t, PeerConfig{Successors: 4}, 40)
	nodes := ring.Nodes()
	// Three consecutive nodes fail at once: fewer than r.
	for _, n := range nodes[10:13] {
		require.NoError(t, ring.Crash(n.Addr))
	}
	ring.Run(30 * time.Second)
	require.Equal(t, nodes[13], ring.Peer(nodes[9].Addr).Successors()[0])
	checkLookups(t, ring, 50)
}

func TestRingHealsAfterManyCrashes(t *testing.T) {
	ring := newRing(t, PeerConfig{}, 100)
	for range 25 {
		require.NoError(t, ring.Crash(ring.RandomAddr()))
	}
	ring.Run(time.Minute)
	checkLookups(t, ring, 100)
}

func TestLookupsDuringPartitionFailWithContext(t *testing.T) {
	ring := newRing(t, PeerConfig{OperationTimeout: 5 * time.Second}, 20)
	nodes := ring.Nodes()
	alone := nodes[0].Addr
	var others []transport.Addr
	for _, n := range nodes[1:] {
		others = append(others, n.Addr)
	}
	require.NoError(t, ring.Network().Partition([]transport.Addr{alone}, others))
	_, err := ring.LookupID(alone, nodes[10].ID)
	require.ErrorIs(t, err, ErrLookupFailed)
	require.Contains(t, err.Error(), "dht: ")
	ring.Network().Heal()
	ring.Run(time.Minute)
	checkLookups(t, ring, 20)
}

// liar answers every find by sending the asker backwards, to the node it
// came from's far side: a node that lies about its successor.
type liar struct{ *Peer }

func (l liar) Receive(c transport.Conn, tm transport.Message) {
	if m, ok := tm.(*message); ok && m.Kind == kindFind {
		l.reply(c.Peer, m, &message{Kind: kindFindReply, Node: l.pred, Claimant: NodeInfo{}})
		return
	}
	l.Peer.Receive(c, tm)
}

func TestLookupsRouteAroundALiar(t *testing.T) {
	net, err := sim.New(sim.Config{Seed: sim.Seed(t)})
	require.NoError(t, err)
	ring, err := NewSim(net, PeerConfig{})
	require.NoError(t, err)
	require.NoError(t, ring.Grow(30, 100*time.Millisecond))
	honest := ring.NewHandler(nil)
	a, err := ring.Network().AddNodeWith(func(env transport.Env) transport.Handler {
		return liar{honest(env).(*Peer)}
	}, sim.Capacity{})
	require.NoError(t, err)
	ring.Run(2 * time.Minute)
	require.NotNil(t, ring.Peer(a), "the liar joined")
	found := 0
	for i := range 100 {
		key := ring.Space().Hash(fmt.Appendf(nil, "key-%d", i))
		r, err := ring.LookupID(ring.RandomAddr(), key)
		if ring.Owner(key).Addr == a {
			continue // the liar owns it and hides it: nothing to find
		}
		require.NoError(t, err)
		require.Equal(t, ring.Owner(key), r.Owner)
		found++
	}
	require.Greater(t, found, 80)
}

// stateLiar answers every stabilize with a made-up predecessor just after
// the asker, at an address where nobody listens: a node that lies about
// its neighbours.
type stateLiar struct{ *Peer }

func (l stateLiar) Receive(c transport.Conn, tm transport.Message) {
	if m, ok := tm.(*message); ok && m.Kind == kindState {
		fake := NodeInfo{ID: l.space.AddPow2(m.From.ID, 0), Addr: "/sim/99999"}
		l.reply(c.Peer, m, &message{Kind: kindStateReply, Node: fake, Nodes: []NodeInfo{fake}})
		return
	}
	l.Peer.Receive(c, tm)
}

func TestALiarAboutSuccessorsDoesNotBreakTheRing(t *testing.T) {
	net, err := sim.New(sim.Config{Seed: sim.Seed(t)})
	require.NoError(t, err)
	ring, err := NewSim(net, PeerConfig{})
	require.NoError(t, err)
	require.NoError(t, ring.Grow(30, 100*time.Millisecond))
	honest := ring.NewHandler(nil)
	a, err := net.AddNodeWith(func(env transport.Env) transport.Handler {
		return stateLiar{honest(env).(*Peer)}
	}, sim.Capacity{})
	require.NoError(t, err)
	ring.Run(3 * time.Minute)
	require.NotNil(t, ring.Peer(a), "the liar joined")
	checkLookups(t, ring, 100)
}
