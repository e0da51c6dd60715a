package dht_test

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/networkutopia/p2p/dht"
	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/sim"
)

// textbookRing joins the given small IDs one by one on a simulated network
// with 10 ms links and lets the maintenance rounds settle.
func textbookRing(cfg dht.PeerConfig, ids ...uint64) *dht.Sim {
	net, _ := sim.New(sim.Config{Seed: 1, LatencyMin: 10 * time.Millisecond, LatencyMax: 10 * time.Millisecond})
	ring, err := dht.NewSim(net, cfg)
	if err != nil {
		panic(err)
	}
	if err := ring.AddIDs(ids...); err != nil {
		panic(err)
	}
	ring.Run(5 * time.Minute)
	return ring
}

// names writes the IDs of nodes.
func names(nodes []dht.NodeInfo) string {
	var s []string
	for _, n := range nodes {
		s = append(s, n.ID.String())
	}
	return strings.Join(s, " ")
}

// The textbook's ring: IDs 0..63, peers 1, 12, 13, 25, 32, 40, 48, 60. A
// key is stored at its immediate successor, wrapping around after 63.
func Example() {
	ring := textbookRing(dht.PeerConfig{Bits: 6, StabilizeInterval: time.Second, FixFingersInterval: time.Second},
		1, 12, 13, 25, 32, 40, 48, 60)
	from := ring.PeerByID(13).Self().Addr
	for _, key := range []uint64{51, 60, 61} {
		r, err := ring.LookupID(from, ring.Space().FromUint64(key))
		if err != nil {
			panic(err)
		}
		fmt.Printf("key %d is stored at peer %s\n", key, r.Owner.ID)
	}
	// Output:
	// key 51 is stored at peer 60
	// key 60 is stored at peer 60
	// key 61 is stored at peer 1
}

// Shortcuts: on the ring 1, 3, 4, 5, 8, 10, 12, 15, peer 3 looks for key
// 11. Knowing only its successor, the query walks the circle; with
// fingers it jumps.
func Example_shortcuts() {
	peers := []uint64{1, 3, 4, 5, 8, 10, 12, 15}
	for _, fingers := range []bool{false, true} {
		cfg := dht.PeerConfig{Bits: 4, Successors: 1, Replicas: 1, NoFingers: !fingers,
			StabilizeInterval: time.Second, FixFingersInterval: time.Second}
		ring := textbookRing(cfg, peers...)
		r, err := ring.LookupID(ring.PeerByID(3).Self().Addr, ring.Space().FromUint64(11))
		if err != nil {
			panic(err)
		}
		fmt.Printf("fingers %-5v: %d hops, path %s, owner %s\n", fingers, r.Hops, names(r.Path), r.Owner.ID)
	}
	// Output:
	// fingers false: 5 hops, path 4 5 8 10 12, owner 12
	// fingers true : 3 hops, path 8 10 12, owner 12
}

// Churn with two successors per peer: peer 5 leaves abruptly; peer 4
// notices through its periodic ping, makes 8 its immediate successor and
// takes 8's successor, 10, as its second.
func Example_churn() {
	ring := textbookRing(dht.PeerConfig{Bits: 4, Successors: 2, Replicas: 2,
		StabilizeInterval: time.Second, CheckPredInterval: time.Second},
		1, 3, 4, 5, 8, 10, 12, 15)
	four := ring.PeerByID(4)
	fmt.Println("peer 4's successors:", names(four.Successors()))
	_ = ring.Crash(ring.PeerByID(5).Self().Addr)
	ring.Run(5 * time.Second)
	fmt.Println("after peer 5 left:  ", names(four.Successors()))
	// Output:
	// peer 4's successors: 5 8
	// after peer 5 left:   8 10
}

// Three nodes on loopback TCP form a ring; a value stored through one is
// read through another.
func ExampleNode() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var nodes []*dht.Node
	defer func() {
		for _, n := range nodes {
			n.Close()
		}
	}()
	for i := range 3 {
		n, err := dht.NewNode(dht.NodeConfig{Listen: "/ip4/127.0.0.1/tcp/0"})
		if err != nil {
			fmt.Println(err)
			return
		}
		nodes = append(nodes, n)
		var bootstrap []transport.Addr
		if i > 0 {
			bootstrap = append(bootstrap, nodes[0].Addr()) // join through the first
		}
		if err := n.Join(ctx, bootstrap...); err != nil {
			fmt.Println(err)
			return
		}
	}
	if err := nodes[1].Put(ctx, []byte("alice"), []byte("10.0.0.7")); err != nil {
		fmt.Println(err)
		return
	}
	v, err := nodes[2].Get(ctx, []byte("alice"))
	fmt.Printf("%s %v\n", v, err)
	r, _ := nodes[0].Lookup(ctx, []byte("alice"))
	fmt.Println("owner found:", r.Owner.Addr != "")
	// Output:
	// 10.0.0.7 <nil>
	// owner found: true
}

// A simulated ring of 300 nodes, each joined through a member: a lookup
// from any member finds the key's owner in O(log N) hops.
func ExampleSim() {
	net, err := sim.New(sim.Config{Seed: 42})
	if err != nil {
		fmt.Println(err)
		return
	}
	ring, err := dht.NewSim(net, dht.PeerConfig{})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := ring.Grow(300, 50*time.Millisecond); err != nil { // each joins through a member
		fmt.Println(err)
		return
	}
	ring.Run(2 * time.Minute) // maintenance rounds refine the fingers
	r, err := ring.Lookup(ring.RandomAddr(), []byte("alice"))
	fmt.Println(err, r.Owner == ring.Owner(ring.Space().Hash([]byte("alice"))), r.Hops <= 7)
	// Output: <nil> true true
}

// One node on loopback TCP starts a ring of its own, stores a value and
// reads it back. Other nodes join with Join(ctx, node.Addr()).
func ExampleNode_alone() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	node, err := dht.NewNode(dht.NodeConfig{Listen: "/ip4/127.0.0.1/tcp/0"})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer node.Close()
	if err := node.Join(ctx); err != nil { // no bootstrap address: a new ring
		fmt.Println(err)
		return
	}
	if err := node.Put(ctx, []byte("alice"), []byte("10.0.0.7")); err != nil {
		fmt.Println(err)
		return
	}
	v, err := node.Get(ctx, []byte("alice"))
	fmt.Println(string(v), err)
	// Output: 10.0.0.7 <nil>
}
