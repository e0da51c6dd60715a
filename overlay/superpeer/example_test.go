package superpeer_test

import (
	"fmt"
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
	l1 := net.AddNode(superpeer.NewNode(superpeer.Config{Leader: true}))
	l2 := net.AddNode(superpeer.NewNode(superpeer.Config{Leader: true, Leaders: []transport.Addr{l1}}))
	song := overlay.NewFile("Free Software Song.ogg", []byte("join us now"))
	net.AddNode(superpeer.NewNode(superpeer.Config{Leaders: []transport.Addr{l2}, Files: []overlay.File{song}}))
	asker := net.AddNode(superpeer.NewNode(superpeer.Config{Leaders: []transport.Addr{l1}}))
	net.Run(time.Second)

	_ = net.Do(asker, func(h transport.Handler) {
		_, _ = h.(*superpeer.Node).Search("free song", 0, func(r overlay.Result) {
			fmt.Println(r.Name, r.Size, r.Holders)
		})
	})
	net.Run(time.Second)
	// Output:
	// Free Software Song.ogg 11 [/sim/2]
}
