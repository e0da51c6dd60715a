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

// TestUpdateReachesEveryReplica is the regression test of lost writes
// the linearizability check found under crash-restart once the one above
// was fixed (3 seeds in 200, among them 10934794821440977032 of
// TestPutGetLinearizableUnderCrashRestart): the owner sent each write to
// its k-1 successors, but the second successor takes a replica that
// replaces its copy only from a neighbour (its predecessor or a
// successor), which the owner is not, so it kept the key's first
// version; when the owner and its first successor failed, reads returned
// that. Replicas now also travel down the chain of successors.
func TestUpdateReachesEveryReplica(t *testing.T) {
	ring := growRing(t, PeerConfig{Bits: 6, Successors: 3, Replicas: 3}, 0, 0, 0)
	require.NoError(t, ring.AddIDs(10, 20, 30, 40, 50, 60))
	ring.Run(time.Minute)
	var key []byte
	for i := 0; key == nil; i++ {
		if k := fmt.Appendf(nil, "key-%d", i); BetweenRight(ring.Space().Hash(k), ring.Space().FromUint64(10), ring.Space().FromUint64(20)) {
			key = k
		}
	}
	id := ring.Space().Hash(key)
	from := ring.PeerByID(50).Self().Addr
	for _, v := range []string{"v1", "v2", "v3"} {
		require.NoError(t, ring.Put(from, key, []byte(v)))
		ring.Run(time.Second)
		for _, owner := range []uint64{20, 30, 40} {
			it := ring.PeerByID(owner).store[id]
			require.NotNil(t, it, "replica at %d", owner)
			require.Equal(t, v, string(it.Value), "replica at %d", owner)
		}
	}
	// The owner and its first successor fail: the last write survives.
	require.NoError(t, ring.Crash(ring.PeerByID(20).Self().Addr))
	require.NoError(t, ring.Crash(ring.PeerByID(30).Self().Addr))
	ring.Run(30 * time.Second)
	v, err := ring.Get(from, key)
	require.NoError(t, err)
	require.Equal(t, "v3", string(v))
}
