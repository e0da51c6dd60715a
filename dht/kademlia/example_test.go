package kademlia_test

import (
	"context"
	"fmt"
	"time"

	"github.com/networkutopia/p2p/dht/kademlia"
	"github.com/networkutopia/p2p/transport/sim"
)

// A hundred nodes join a simulated network one by one through the
// protocol; one stores a value and another reads it back from the K = 8
// nodes closest to the key.
func Example() {
	net, _ := sim.New(sim.Config{Seed: 1})
	s, err := kademlia.NewSim(net, kademlia.PeerConfig{K: 8})
	if err != nil {
		panic(err)
	}
	if err := s.Grow(100, 10*time.Millisecond); err != nil {
		panic(err)
	}
	stored, err := s.Put(s.RandomAddr(), []byte("song.mp3"), []byte("/sim/42 has it"))
	if err != nil {
		panic(err)
	}
	fmt.Println("stored at", stored, "nodes")

	res, _ := s.Lookup(s.RandomAddr(), []byte("song.mp3"))
	oracle := s.Closest(kademlia.HashKey([]byte("song.mp3")), 1)[0]
	fmt.Println("lookup found the closest node:", res.Closest[0] == oracle || res.Closest[1] == oracle)

	values, _ := s.Get(s.RandomAddr(), []byte("song.mp3"))
	fmt.Printf("%s\n", values[0])
	// Output:
	// stored at 8 nodes
	// lookup found the closest node: true
	// /sim/42 has it
}

// Two nodes on loopback TCP: one starts a network, the other joins it,
// and a value put through one is read through the other.
func ExampleNode() {
	ctx := context.Background()
	cfg := kademlia.NodeConfig{PeerConfig: kademlia.PeerConfig{MaxPerIP: 16, MaxPerSubnet: 16}} // both at 127.0.0.1
	a, err := kademlia.NewNode(cfg)
	if err != nil {
		panic(err)
	}
	defer a.Close()
	b, err := kademlia.NewNode(cfg)
	if err != nil {
		panic(err)
	}
	defer b.Close()
	if err := a.Join(ctx); err != nil { // a starts a network
		panic(err)
	}
	if err := b.Join(ctx, a.Addr()); err != nil {
		panic(err)
	}
	if _, err := a.Put(ctx, []byte("key"), []byte("value")); err != nil {
		panic(err)
	}
	values, err := b.Get(ctx, []byte("key"))
	if err != nil {
		panic(err)
	}
	fmt.Printf("%s\n", values[0])
	// Output:
	// value
}
