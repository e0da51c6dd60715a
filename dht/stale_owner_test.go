package dht

import (
	"fmt"
	"testing"
	"time"

	"github.com/networkutopia/p2p/transport"
	"github.com/stretchr/testify/require"
)

// TestWriteAtFormerOwnerReachesTheNewOwner is the regression test of a
// stale read the linearizability check found under crash-restart (seed
// 10934794821440976921 of TestPutGetLinearizableUnderCrashRestart): a
// node joined in front of a key's owner, which handed it the key; a write
// whose lookup had found the old owner then reached it, was stamped and
// acknowledged there and replicated to the old owner's successors, but
// not to the new owner, and Get returned the new owner's older copy
// without asking the replicas. Now the old owner copies such a write to
// its predecessor too, and Get takes the newest of the owner's and the
// replicas' copies.
func TestWriteAtFormerOwnerReachesTheNewOwner(t *testing.T) {
	ring := growRing(t, PeerConfig{Bits: 6, Successors: 3}, 0, 0, 0)
	require.NoError(t, ring.AddIDs(10, 30, 50))
	ring.Run(time.Minute)
	var key []byte
	for i := 0; key == nil; i++ {
		k := fmt.Appendf(nil, "key-%d", i)
		if BetweenRight(ring.Space().Hash(k), ring.Space().FromUint64(10), ring.Space().FromUint64(20)) {
			key = k
		}
	}
	from := ring.PeerByID(50).Self().Addr
	require.NoError(t, ring.Put(from, key, []byte("v1")))
	require.NotNil(t, ring.PeerByID(30).store[ring.Space().Hash(key)])

	require.NoError(t, ring.AddIDs(20)) // 30 hands the key to 20
	ring.Run(10 * time.Second)
	require.Equal(t, "v1", string(ring.PeerByID(20).store[ring.Space().Hash(key)].Value))

	// A writer whose lookup still found 30 (it raced the join) writes
	// there.
	it := Item{Key: ring.Space().Hash(key), Name: key, Value: []byte("v2")}
	var reply *message
	w := ring.PeerByID(50)
	require.NoError(t, ring.Network().Do(from, func(transport.Handler) {
		w.request(ring.PeerByID(30).Self(), &message{Kind: kindStore, Target: it.Key, Items: []Item{it}}, func(m *message, err error) {
			require.NoError(t, err)
			reply = m
		})
	}))
	ring.Run(time.Second)
	require.NotNil(t, reply)
	require.Len(t, reply.Items, 1, "the write is acknowledged with a version")
	require.Equal(t, "v2", string(ring.PeerByID(20).store[it.Key].Value), "and reaches the new owner")
	for _, n := range ring.Nodes() {
		v, err := ring.Get(n.Addr, key)
		require.NoError(t, err)
		require.Equal(t, "v2", string(v), "read from %s", n)
	}

	// The owner's stale copy alone does not win either: the replicas are
	// read too.
	ring.PeerByID(20).store[it.Key] = &Item{Key: it.Key, Name: key, Value: []byte("v1"), Version: 1}
	v, err := ring.Get(from, key)
	require.NoError(t, err)
	require.Equal(t, "v2", string(v))

	// An honest writer is still served, at the new owner.
	require.NoError(t, ring.Put(from, key, []byte("v3")))
	for _, n := range ring.Nodes() {
		v, err := ring.Get(n.Addr, key)
		require.NoError(t, err)
		require.Equal(t, "v3", string(v), "read from %s", n)
	}
}
