package dht

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/networkutopia/p2p/transport/sim"
	"github.com/stretchr/testify/require"
)

// FuzzPeerReceive decodes arbitrary bytes and delivers whatever decodes to
// a member of a small ring, from a forged sender: the peer must neither
// panic nor break the ring's lookups.
func FuzzPeerReceive(f *testing.F) {
	s, _ := NewSpace(160)
	for _, m := range []*message{
		{Kind: kindFind, Req: 1, Target: s.Hash([]byte("x"))},
		{Kind: kindFindReply, Req: 1, Flags: flagOwner, Node: NodeInfo{ID: s.Hash([]byte("y")), Addr: "/sim/3"}},
		{Kind: kindState, Flags: flagNotify, From: NodeInfo{ID: s.Hash([]byte("z")), Addr: "/sim/99"}},
		{Kind: kindStore, Items: []Item{{Key: s.Hash([]byte("k")), Name: []byte("k"), Value: []byte("v")}}},
		{Kind: kindLeave, From: NodeInfo{ID: s.Hash([]byte("w")), Addr: "/sim/1"}, Nodes: []NodeInfo{{Addr: "/sim/2"}}},
		{Kind: kindRoute, Lookup: 5, Node: NodeInfo{Addr: "/sim/4"}, Target: s.Hash([]byte("t"))},
	} {
		b, err := marshal(m)
		require.NoError(f, err)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := unmarshal(b)
		if err != nil {
			return
		}
		net, err := sim.New(sim.Config{Seed: 1})
		require.NoError(t, err)
		ring, err := NewSim(net, PeerConfig{})
		require.NoError(t, err)
		require.NoError(t, ring.Grow(6, 100*time.Millisecond))
		ring.Run(10 * time.Second)
		for _, n := range ring.Nodes()[:3] {
			require.NoError(t, net.Inject("/sim/666", n.Addr, m))
			require.NoError(t, net.Inject(ring.Nodes()[5].Addr, n.Addr, m))
		}
		ring.Run(time.Minute)
		for i := range 5 {
			key := ring.Space().Hash(fmt.Appendf(nil, "k%d", i))
			r, err := ring.LookupID(ring.Nodes()[i].Addr, key)
			require.NoError(t, err)
			require.NotEmpty(t, r.Owner.Addr)
		}
	})
}

// TestForgedStoreIsRejected checks that items whose key is not the hash of
// their name, or whose value is too large, are not stored.
func TestForgedStoreIsRejected(t *testing.T) {
	ring := newRing(t, PeerConfig{MaxValueSize: 10}, 3)
	p := ring.Peer(ring.Nodes()[0].Addr)
	s := ring.Space()
	bad := []Item{
		{Key: s.Hash([]byte("a")), Name: []byte("b"), Value: []byte("v"), Version: 1}, // key is not hash(name)
		{Key: s.Hash([]byte("c")), Name: []byte("c"), Value: make([]byte, 11), Version: 1},
		{Key: s.Hash([]byte("d")), Name: []byte("d"), Value: []byte("v")}, // a replica without a version
	}
	require.NoError(t, ring.Network().Inject("/sim/666", p.Self().Addr, &message{Kind: kindStore, Flags: flagReplica, Items: bad}))
	ring.Run(time.Second)
	require.Empty(t, p.store)
}

// TestForgedReplicasFromNonMembers sends the owner of a key, from a host
// that is no ring member, replicas of that key with the highest version and
// many more items: the owner keeps the honest value, later writes still
// win, and what the stranger adds stays within MaxItemsPerSender.
func TestForgedReplicasFromNonMembers(t *testing.T) {
	ring := newRing(t, PeerConfig{MaxItemsPerSender: 50}, 8)
	a := ring.Nodes()[0].Addr
	key := []byte("alice")
	require.NoError(t, ring.Put(a, key, []byte("honest")))
	r, err := ring.Lookup(a, key)
	require.NoError(t, err)
	owner := ring.Peer(r.Owner.Addr)
	before := len(owner.store)

	s := ring.Space()
	forged := []Item{{Key: s.Hash(key), Name: key, Value: []byte("forged"), Version: math.MaxUint64}}
	for i := range 200 {
		name := fmt.Appendf(nil, "junk%d", i)
		forged = append(forged, Item{Key: s.Hash(name), Name: name, Value: make([]byte, 1024), Version: math.MaxUint64 - 1})
	}
	for range 5 {
		require.NoError(t, ring.Network().Inject("/sim/666", owner.Self().Addr, &message{Kind: kindStore, Flags: flagReplica, Items: forged}))
	}
	ring.Run(time.Second)

	v, err := ring.Get(a, key)
	require.NoError(t, err)
	require.Equal(t, "honest", string(v), "a forged replica does not replace the owner's value")
	require.LessOrEqual(t, len(owner.store)-before, 50, "a stranger adds at most MaxItemsPerSender items")
	require.Positive(t, owner.Stats().ReplicasRefused)

	require.NoError(t, ring.Put(a, key, []byte("newer")))
	v, err = ring.Get(a, key)
	require.NoError(t, err)
	require.Equal(t, "newer", string(v), "the honest Put still wins")
}

// TestPutDetectsExhaustedVersion: a key whose stored version is the
// highest possible cannot take a newer write, and Put says so instead of
// returning nil.
func TestPutDetectsExhaustedVersion(t *testing.T) {
	ring := newRing(t, PeerConfig{}, 4)
	a := ring.Nodes()[0].Addr
	key := []byte("k")
	require.NoError(t, ring.Put(a, key, []byte("v")))
	for _, n := range ring.Nodes() {
		if it := ring.Peer(n.Addr).store[ring.Space().Hash(key)]; it != nil {
			it.Version = math.MaxUint64
		}
	}
	require.Error(t, ring.Put(a, key, []byte("w")))
}
