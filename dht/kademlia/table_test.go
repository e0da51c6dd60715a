package kademlia

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/networkutopia/p2p/transport"
	"github.com/stretchr/testify/require"
)

var t0 = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

func testTable(self ID, cfg PeerConfig) *table { return newTable(self, cfg.withDefaults(), t0) }

// closest reads the buckets in XOR order: it agrees with sorting every
// contact by distance.
func TestTableClosestIsXOROrder(t *testing.T) {
	rnd := rand.New(rand.NewPCG(7, 7))
	self := RandomID(rnd)
	tb := testTable(self, PeerConfig{K: 8})
	for i := range 2000 {
		tb.seen(Contact{ID: RandomID(rnd), Addr: transport.Addr(fmt.Sprintf("/sim/%d", i))}, t0)
	}
	all := tb.contacts()
	for range 200 {
		target := RandomID(rnd)
		if rnd.IntN(4) == 0 {
			target = self
		}
		want := slices.Clone(all)
		sortByDistance(target, want)
		for _, n := range []int{1, 8, 20, len(all) + 5} {
			require.Equal(t, want[:min(n, len(want))], tb.closest(target, n))
		}
	}
}

// The least-recently-seen rule: a full bucket keeps its oldest contact
// while it answers; a newcomer waits in the replacement cache and takes
// the place of the oldest only when a ping to it fails.
func TestBucketLeastRecentlySeenEviction(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 1))
	var self ID // all zero: IDs starting with bit 1 go to bucket 0
	inBucket0 := func(i int) Contact {
		id := RandomID(rnd)
		id[0] |= 0x80
		return Contact{ID: id, Addr: transport.Addr(fmt.Sprintf("/sim/%d", i))}
	}
	tb := testTable(self, PeerConfig{K: 4})
	var cs []Contact
	for i := range 4 {
		cs = append(cs, inBucket0(i))
		require.Nil(t, tb.seen(cs[i], t0))
	}
	newcomer := inBucket0(10)
	old := tb.seen(newcomer, t0)
	require.NotNil(t, old, "a full bucket asks to ping its oldest")
	require.Equal(t, cs[0], old.Contact)
	require.Nil(t, tb.seen(inBucket0(11), t0), "one ping at a time")
	require.False(t, tb.has(newcomer.ID))

	// The oldest answers: it stays, now most recently seen.
	tb.seen(cs[0], t0.Add(time.Second))
	require.True(t, tb.has(cs[0].ID))
	require.Equal(t, cs[0], tb.buckets[0].live[3].Contact)

	// The next oldest fails its ping: the latest replacement takes its place.
	old = tb.seen(inBucket0(12), t0)
	require.Equal(t, cs[1], old.Contact)
	tb.failed(cs[1].Addr)
	require.False(t, tb.has(cs[1].ID))
	require.Len(t, tb.buckets[0].live, 4)
	require.True(t, tb.has(inBucket0Last(tb)))
}

func inBucket0Last(tb *table) ID { return tb.buckets[0].live[0].ID }

// Without a replacement waiting, a contact survives MaxFails-1 failures.
func TestContactDroppedAfterMaxFails(t *testing.T) {
	tb := testTable(ID{}, PeerConfig{MaxFails: 3})
	c := Contact{ID: ID{0x80}, Addr: "/sim/1"}
	tb.seen(c, t0)
	tb.failed(c.Addr)
	tb.failed(c.Addr)
	require.True(t, tb.has(c.ID))
	tb.failed(c.Addr)
	require.False(t, tb.has(c.ID))
}

// Sybil hygiene: one IP address, and one /24, cannot fill a bucket.
func TestBucketIPLimits(t *testing.T) {
	tb := testTable(ID{}, PeerConfig{MaxPerIP: 2, MaxPerSubnet: 3})
	add := func(i int, addr string) bool {
		id := ID{0x80, byte(i)}
		tb.seen(Contact{ID: id, Addr: transport.Addr(addr)}, t0)
		return tb.has(id)
	}
	require.True(t, add(1, "/ip4/203.0.113.5/tcp/1"))
	require.True(t, add(2, "/ip4/203.0.113.5/tcp/2"))
	require.False(t, add(3, "/ip4/203.0.113.5/tcp/3"), "a third contact at one IP")
	require.True(t, add(4, "/ip4/203.0.113.6/tcp/1"))
	require.False(t, add(5, "/ip4/203.0.113.7/tcp/1"), "a fourth in one /24")
	require.True(t, add(6, "/ip4/198.51.100.1/tcp/1"), "another network is served")
	require.True(t, add(7, "/ip6/2001:db8::1/tcp/1"))
	require.EqualValues(t, 2, tb.refusedByLimit)
}

// A node cannot take over a live contact's ID from another address.
func TestContactIDNotHijacked(t *testing.T) {
	tb := testTable(ID{}, PeerConfig{})
	c := Contact{ID: ID{0x80}, Addr: "/sim/1"}
	tb.seen(c, t0)
	tb.seen(Contact{ID: c.ID, Addr: "/sim/666"}, t0)
	require.Equal(t, []Contact{c}, tb.contacts())
}

// With RequireBEP42, a node whose ID does not follow from its IP stays out;
// one that does, and nodes at local addresses, get in.
func TestTableRequireBEP42(t *testing.T) {
	rnd := rand.New(rand.NewPCG(3, 3))
	tb := testTable(RandomID(rnd), PeerConfig{RequireBEP42: true})
	ip := netip.MustParseAddr("124.31.75.21")
	good := Contact{ID: NodeIDForIP(ip, rnd), Addr: "/ip4/124.31.75.21/udp/6881"}
	forged := Contact{ID: RandomID(rnd), Addr: "/ip4/124.31.75.21/udp/6882"}
	local := Contact{ID: RandomID(rnd), Addr: "/ip4/127.0.0.1/tcp/1"}
	for _, c := range []Contact{good, forged, local} {
		tb.seen(c, t0)
	}
	require.True(t, tb.has(good.ID))
	require.False(t, tb.has(forged.ID))
	require.True(t, tb.has(local.ID))
	require.EqualValues(t, 1, tb.refusedByLimit)
}

// TestNearestMatchesSort: nearest gives the n closest contacts of a big
// table, the same set a sort of every contact gives.
func TestNearestMatchesSort(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	self := RandomID(r)
	tb := testTable(self, PeerConfig{K: 16, MaxPerIP: 1000, MaxPerSubnet: 1000})
	for i := range 3000 {
		id := RandomID(r)
		if i%2 == 0 {
			id = randomInBucket(r, self, i%40)
		}
		tb.seen(Contact{ID: id, Addr: transport.Addr(fmt.Sprintf("/sim/%d", i))}, t0)
	}
	all := tb.contacts()
	for range 200 {
		target := RandomID(r)
		if r.IntN(2) == 0 {
			target = randomInBucket(r, self, r.IntN(30))
		}
		for _, n := range []int{1, 8, 20, 100} {
			want := slices.Clone(all)
			sortByDistance(target, want)
			got := tb.nearest(target, n)
			sortByDistance(target, got)
			require.Equal(t, want[:min(n, len(want))], got)
		}
	}
}

// TestWalkSynchronousAnswers: a query function that answers at once
// gives the same result as one whose answers come later.
func TestWalkSynchronousAnswers(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	all, tables := fullMesh(r, 300)
	target := RandomID(r)
	run := func(sync bool) WalkResult {
		var queue []func()
		var res WalkResult
		done := false
		w := NewWalk(target, WalkConfig{K: 8}, Contact{Addr: "self"}, all[:2], func(c Contact, answer func(WalkReply)) {
			reply := func() { answer(WalkReply{OK: true, Nodes: tables[c.Addr].closest(target, 8)}) }
			if sync {
				reply()
			} else {
				queue = append(queue, reply)
			}
		}, func(wr WalkResult) {
			require.False(t, done, "done called twice")
			done, res = true, wr
		})
		w.Start()
		for len(queue) > 0 {
			next := queue[0]
			queue = queue[1:]
			next()
		}
		require.True(t, done)
		return res
	}
	a, b := run(false), run(true)
	require.Equal(t, a.Closest, b.Closest)
	want := slices.Clone(all)
	sortByDistance(target, want)
	require.Equal(t, want[:8], b.Closest)
}
