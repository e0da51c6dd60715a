package kademlia

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/networkutopia/p2p/transport"
	"github.com/stretchr/testify/require"
)

// TestWalkBeta: on a network where every node knows every other, a walk
// that ends at the β closest returns the same K closest as one that
// waits for all K, with fewer queries; the nodes it did not ask carry no
// token, and a node that fails is never among them.
func TestWalkBeta(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	all, tables := fullMesh(r, 200)
	target := RandomID(r)
	want := slices.Clone(all)
	sortByDistance(target, want)
	dead := want[1].Addr
	run := func(beta int) WalkResult {
		var queue []func()
		var res WalkResult
		w := NewWalk(target, WalkConfig{K: 8, Alpha: 3, Beta: beta}, Contact{Addr: "self"}, all[:3], func(c Contact, answer func(WalkReply)) {
			queue = append(queue, func() {
				if c.Addr == dead {
					answer(WalkReply{})
					return
				}
				answer(WalkReply{OK: true, Token: []byte("t"), Nodes: tables[c.Addr].closest(target, 8)})
			})
		}, func(wr WalkResult) { res = wr })
		w.Start()
		for len(queue) > 0 {
			next := queue[0]
			queue = queue[1:]
			next()
		}
		return res
	}
	alive := slices.DeleteFunc(slices.Clone(want), func(c Contact) bool { return c.Addr == dead })[:8]
	strict, beta := run(0), run(2)
	require.Equal(t, alive, strict.Closest)
	require.Equal(t, alive, beta.Closest)
	require.Less(t, beta.Queries, strict.Queries)
	require.NotNil(t, beta.Tokens[0], "the closest answered")
	require.Contains(t, beta.Tokens, []byte(nil), "some of the K were not asked")
	require.NotContains(t, strict.Tokens, []byte(nil))
}

// fullMesh returns n contacts with random IDs and, for each, a routing
// table (K 8) that saw every other: the tables a walk's queries answer
// from.
func fullMesh(r *rand.Rand, n int) ([]Contact, map[transport.Addr]*table) {
	var all []Contact
	for i := range n {
		all = append(all, Contact{ID: RandomID(r), Addr: transport.Addr(fmt.Sprint("n", i))})
	}
	tables := map[transport.Addr]*table{}
	for _, c := range all {
		tb := testTable(c.ID, PeerConfig{K: 8})
		for _, o := range all {
			tb.seen(o, t0)
		}
		tables[c.Addr] = tb
	}
	return all, tables
}
