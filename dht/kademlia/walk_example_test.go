package kademlia_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/networkutopia/p2p/dht/kademlia"
	"github.com/networkutopia/p2p/transport"
)

// A Walk with its own query function, as a wire protocol runs one: here
// the "network" is a map from address to the routing table each node
// would answer from, and answers are delivered later by a queue, as a
// real transport does.
func ExampleWalk() {
	r := rand.New(rand.NewPCG(1, 2))
	self := kademlia.Contact{ID: kademlia.RandomID(r), Addr: "me"}
	tables := map[transport.Addr]*kademlia.Table{}
	var all []kademlia.Contact
	for i := range 200 {
		all = append(all, kademlia.Contact{ID: kademlia.RandomID(r), Addr: transport.Addr(fmt.Sprint("node", i))})
	}
	for _, c := range all {
		t := kademlia.NewTable(c.ID, kademlia.TableConfig{K: 8}, time.Unix(0, 0))
		for _, o := range all {
			t.Seen(o, time.Unix(0, 0))
		}
		tables[c.Addr] = t
	}
	target := kademlia.RandomID(r)
	var queue []func()
	query := func(c kademlia.Contact, answer func(kademlia.WalkReply)) {
		queue = append(queue, func() {
			answer(kademlia.WalkReply{OK: true, Nodes: tables[c.Addr].Closest(target, 8)})
		})
	}
	var res kademlia.WalkResult
	start := all[:3] // what our own table would offer
	w := kademlia.NewWalk(target, kademlia.WalkConfig{K: 8, Alpha: 3}, self, start, query, func(wr kademlia.WalkResult) { res = wr })
	w.Start()
	for len(queue) > 0 { // the transport delivers answers
		next := queue[0]
		queue = queue[1:]
		next()
	}
	oracle := slices.Clone(all)
	slices.SortFunc(oracle, func(a, b kademlia.Contact) int { return kademlia.Closer(target, a.ID, b.ID) })
	fmt.Println("found the 8 closest:", slices.Equal(res.Closest, oracle[:8]))
	// Output:
	// found the 8 closest: true
}
