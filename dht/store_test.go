package dht

import (
	"fmt"
	"testing"
	"time"

	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/sim"
	"github.com/stretchr/testify/require"
)

func TestPutGetDelete(t *testing.T) {
	for _, mode := range []Mode{Iterative, Recursive} {
		t.Run(mode.String(), func(t *testing.T) {
			ring := newRing(t, PeerConfig{Mode: mode}, 30)
			a, b := ring.Nodes()[0].Addr, ring.Nodes()[17].Addr
			require.NoError(t, ring.Put(a, []byte("alice"), []byte("10.0.0.7")))
			v, err := ring.Get(b, []byte("alice"))
			require.NoError(t, err)
			require.Equal(t, "10.0.0.7", string(v))

			require.NoError(t, ring.Put(b, []byte("alice"), []byte("10.0.0.8")))
			v, err = ring.Get(a, []byte("alice"))
			require.NoError(t, err)
			require.Equal(t, "10.0.0.8", string(v), "the newer write wins")

			require.NoError(t, ring.Delete(a, []byte("alice")))
			_, err = ring.Get(b, []byte("alice"))
			require.ErrorIs(t, err, ErrNotFound)

			_, err = ring.Get(a, []byte("nobody"))
			require.ErrorIs(t, err, ErrNotFound)
		})
	}
}

func TestPutRejectsOversizedValues(t *testing.T) {
	ring := newRing(t, PeerConfig{MaxValueSize: 100}, 5)
	err := ring.Put(ring.Nodes()[0].Addr, []byte("k"), make([]byte, 101))
	require.ErrorIs(t, err, ErrValueTooLarge)
	require.Contains(t, err.Error(), "dht: ")
}

func TestValuesAreReplicatedOnKSuccessors(t *testing.T) {
	ring := newRing(t, PeerConfig{Replicas: 3}, 20)
	key := []byte("replicated")
	require.NoError(t, ring.Put(ring.Nodes()[3].Addr, key, []byte("v")))
	ring.Run(time.Second)
	id := ring.Space().Hash(key)
	holders := 0
	for _, n := range ring.Nodes() {
		if ring.Peer(n.Addr).store[id] != nil {
			holders++
		}
	}
	require.Equal(t, 3, holders)
}

func TestStaleReplicaNeverWins(t *testing.T) {
	ring := newRing(t, PeerConfig{}, 10)
	key := []byte("k")
	from := ring.Nodes()[0].Addr
	require.NoError(t, ring.Put(from, key, []byte("old")))
	require.NoError(t, ring.Put(from, key, []byte("new")))
	ring.Run(time.Second)
	id := ring.Space().Hash(key)
	owner := ring.Peer(ring.Owner(id).Addr)
	latest := owner.store[id].Version
	// A replica pushes an old version back (a node that was away comes
	// back, say): it must not replace the newer one.
	stale := Item{Key: id, Name: key, Value: []byte("old"), Version: latest - 1}
	_ = ring.Network().Do(owner.Self().Addr, func(transport.Handler) {
		owner.storeItems(owner.Predecessor().Addr, &message{Kind: kindStore, Flags: flagReplica, Items: []Item{stale}})
	})
	v, err := ring.Get(from, key)
	require.NoError(t, err)
	require.Equal(t, "new", string(v))
	// The owner lost it (a newcomer not yet handed the key) and the next
	// replica lags behind: the read asks the replicas, the newest wins,
	// and both laggards are repaired.
	succ := ring.Peer(owner.Successors()[0].Addr)
	succ.store[id] = &stale
	delete(owner.store, id)
	v, err = ring.Get(from, key)
	require.NoError(t, err)
	require.Equal(t, "new", string(v))
	ring.Run(time.Second)
	require.Equal(t, latest, succ.store[id].Version)
	require.Equal(t, latest, owner.store[id].Version)
}

func TestKeysSurviveFewerThanKFailures(t *testing.T) {
	ring := newRing(t, PeerConfig{Replicas: 3}, 40)
	from := ring.Nodes()[0].Addr
	for i := range 50 {
		require.NoError(t, ring.Put(from, fmt.Appendf(nil, "key-%d", i), fmt.Appendf(nil, "value-%d", i)))
	}
	ring.Run(10 * time.Second)
	// Two consecutive nodes (k-1) crash at once, twice, with time to
	// re-replicate in between.
	for _, at := range []int{5, 20} {
		nodes := ring.Nodes()
		require.NoError(t, ring.Crash(nodes[at].Addr))
		require.NoError(t, ring.Crash(nodes[at+1].Addr))
		ring.Run(30 * time.Second)
	}
	for i := range 50 {
		v, err := ring.Get(ring.RandomAddr(), fmt.Appendf(nil, "key-%d", i))
		require.NoError(t, err, "key-%d", i)
		require.Equal(t, fmt.Sprintf("value-%d", i), string(v))
	}
}

func TestGracefulLeaveHandsKeysToSuccessor(t *testing.T) {
	ring := newRing(t, PeerConfig{Replicas: 1, Successors: 2}, 10) // no replicas: only the hand-off saves the keys
	from := ring.Nodes()[0].Addr
	for i := range 40 {
		require.NoError(t, ring.Put(from, fmt.Appendf(nil, "key-%d", i), []byte("v")))
	}
	for range 4 {
		require.NoError(t, ring.Leave(ring.Nodes()[3].Addr))
		ring.Run(10 * time.Second)
	}
	for i := range 40 {
		_, err := ring.Get(ring.RandomAddr(), fmt.Appendf(nil, "key-%d", i))
		require.NoError(t, err, "key-%d", i)
	}
	checkLookups(t, ring, 30)
}

func TestChurnSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("a simulated hour of churn")
	}
	res := runChurn(t, churnScenario{Nodes: 300, Keys: 300, Session: 20 * time.Minute, Duration: time.Hour, LookupsPerMinute: 100})
	t.Logf("%+v", res)
	require.GreaterOrEqual(t, res.SuccessPercent, 99.0)
	require.Zero(t, res.LostKeys)
}

func TestGetTimesOutWithContext(t *testing.T) {
	net, err := sim.New(sim.Config{Seed: sim.Seed(t)})
	require.NoError(t, err)
	ring, err := NewSim(net, PeerConfig{OperationTimeout: 3 * time.Second})
	require.NoError(t, err)
	require.NoError(t, ring.Grow(10, 100*time.Millisecond))
	ring.Run(30 * time.Second)
	nodes := ring.Nodes()
	require.NoError(t, ring.Put(nodes[0].Addr, []byte("k"), []byte("v")))
	ring.Run(time.Second)
	// The reader holds no replica, and every other node is cut off.
	var from transport.Addr
	var others []transport.Addr
	for _, n := range nodes {
		if from == "" && len(ring.Peer(n.Addr).store) == 0 {
			from = n.Addr
			continue
		}
		others = append(others, n.Addr)
	}
	require.NoError(t, net.Partition([]transport.Addr{from}, others))
	_, err = ring.Get(from, []byte("k"))
	require.Error(t, err)
	require.Contains(t, err.Error(), `dht: get "k"`)
}
