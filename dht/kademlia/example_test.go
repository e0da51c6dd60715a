package kademlia_test

import (
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
