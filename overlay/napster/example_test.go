package napster_test

import (
	"context"
	"fmt"
	"time"

	"github.com/networkutopia/p2p/overlay"
	"github.com/networkutopia/p2p/overlay/napster"
	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/sim"
)

// A peer registers a song; another finds it; with the directory down the
// same search fails.
func Example() {
	song := overlay.NewFile("Free Software Song.ogg", []byte("join us now"))
	files := []overlay.File{song}
	net, _ := sim.New(sim.Config{Seed: 1})
	newServer, _ := napster.NewServer(napster.ServerConfig{})
	dir := net.AddNode(newServer)
	newPeer, _ := napster.NewPeer(napster.PeerConfig{Server: dir, Files: files})
	net.AddNode(newPeer)
	newAsker, _ := napster.NewPeer(napster.PeerConfig{Server: dir})
	asker := net.AddNode(newAsker)
	net.Run(time.Second)

	search := func() {
		_ = net.Do(asker, func(h transport.Handler) {
			h.(*napster.Peer).Search("song", func(rs []overlay.Result, err error) {
				if err != nil {
					fmt.Println("search failed: directory down")
					return
				}
				fmt.Println(rs[0].Name, rs[0].Holders)
			})
		})
		net.Run(10 * time.Second)
	}
	search()
	_ = net.Crash(dir)
	search()
	// Output:
	// Free Software Song.ogg [/sim/1]
	// search failed: directory down
}

// On loopback TCP: a directory, a peer sharing a song, and one that finds
// it and fetches it from the holder directly.
func ExampleNode() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	dir, _ := napster.NewDirectory(napster.DirectoryConfig{})
	defer dir.Close()
	song := overlay.NewFile("Free Software Song.ogg", []byte("join us now and share the software"))
	holder, _ := napster.NewNode(napster.NodeConfig{Directory: dir.Addr(), Files: []overlay.File{song}})
	defer holder.Close()
	seeker, _ := napster.NewNode(napster.NodeConfig{Directory: dir.Addr()})
	defer seeker.Close()
	_ = holder.Join(ctx)
	_ = seeker.Join(ctx)

	results, _ := seeker.Search(ctx, "free software")
	data, err := seeker.Fetch(ctx, results[0])
	fmt.Println(results[0].Name, string(data), err)
	// Output:
	// Free Software Song.ogg join us now and share the software <nil>
}
