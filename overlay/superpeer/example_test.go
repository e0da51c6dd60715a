package superpeer_test

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/networkutopia/p2p/overlay"
	"github.com/networkutopia/p2p/overlay/superpeer"
	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/sim"
)

// Two leaders, each with one peer; a keyword query from one peer finds
// the other's file through both leaders.
func Example() {
	net, _ := sim.New(sim.Config{Seed: 1})
	add := func(cfg superpeer.PeerConfig) transport.Addr {
		newPeer, err := superpeer.NewPeer(cfg)
		if err != nil {
			panic(err)
		}
		return net.AddNode(newPeer)
	}
	l1 := add(superpeer.PeerConfig{Leader: true})
	l2 := add(superpeer.PeerConfig{Leader: true, Leaders: []transport.Addr{l1}})
	song := overlay.NewFile("Free Software Song.ogg", []byte("join us now"))
	add(superpeer.PeerConfig{Leaders: []transport.Addr{l2}, Files: []overlay.File{song}})
	asker := add(superpeer.PeerConfig{Leaders: []transport.Addr{l1}})
	net.Run(time.Second)

	_ = net.Do(asker, func(h transport.Handler) {
		_, _ = h.(*superpeer.Peer).Search("free song", 0, func(r overlay.Result) {
			fmt.Println(r.Name, r.Size, r.Holders)
		})
	})
	net.Run(time.Second)
	// Output:
	// Free Software Song.ogg 11 [/sim/2]
}

// A query on a simulated two-tier overlay of 1 000 peers in groups of
// 100: under a hundred messages, where flooding 1 000 servents costs
// thousands.
func ExampleNewSim() {
	w, _ := overlay.NewWorkload(overlay.WorkloadConfig{Nodes: 1000, Seed: 1})
	s, _ := superpeer.NewSim(superpeer.SimConfig{Workload: w, TTL: 3, Seed: 1})
	r := s.Query(w.Queries[0])
	fmt.Println(r.Found, r.Messages)
	// Output:
	// true 93
}

// On loopback TCP: a leader, two peers sharing the same film, and a third
// that finds it by keyword and downloads it from both holders at once.
func ExampleNode() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	film := overlay.NewFile("Night of the Living Dead (1968).avi", []byte(strings.Repeat("public domain ", 1000)))
	leader, _ := superpeer.NewNode(superpeer.NodeConfig{PeerConfig: superpeer.PeerConfig{Leader: true}})
	defer leader.Close()
	for range 2 {
		holder, _ := superpeer.NewNode(superpeer.NodeConfig{PeerConfig: superpeer.PeerConfig{Files: []overlay.File{film}}})
		defer holder.Close()
		_ = holder.Join(ctx, leader.Addr())
	}
	seeker, _ := superpeer.NewNode(superpeer.NodeConfig{})
	defer seeker.Close()
	_ = seeker.Join(ctx, leader.Addr())
	for { // until the leader has indexed both holders' lists
		if st, _, _ := leader.Stats(ctx); st.Indexed == 2 || ctx.Err() != nil {
			break
		}
		time.Sleep(time.Millisecond)
	}

	results, _ := seeker.Search(ctx, "living dead")
	r := <-results
	data, err := seeker.Fetch(ctx, r)
	fmt.Println(r.Name, len(r.Holders), "holders;", len(data), "bytes, hash ok:", err == nil)
	// Output:
	// Night of the Living Dead (1968).avi 2 holders; 14000 bytes, hash ok: true
}
