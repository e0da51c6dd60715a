package swarm_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/networkutopia/p2p/swarm"
	"github.com/networkutopia/p2p/swarm/mainline"
	"github.com/networkutopia/p2p/swarm/metainfo"
)

// A seed and a leecher with no tracker, each with its own mainline DHT
// node (ClientConfig.DHT): the seed is announced through the DHT, where
// the leecher finds it.
func ExamplePeerFinder() {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cfg := mainline.NodeConfig{Config: mainline.Config{MaxPerIP: 8, MaxPerSubnet: 8}} // all at 127.0.0.1
	var nodes []*mainline.Node
	for range 3 {
		n, err := mainline.NewNode(cfg)
		if err != nil {
			panic(err)
		}
		defer n.Close()
		nodes = append(nodes, n)
	}
	for _, n := range nodes[1:] {
		if err := n.Bootstrap(ctx, nodes[0].Addr()); err != nil {
			panic(err)
		}
	}
	seedDir, _ := os.MkdirTemp("", "seed-")
	defer os.RemoveAll(seedDir)
	leechDir, _ := os.MkdirTemp("", "leech-")
	defer os.RemoveAll(leechDir)
	content := bytes.Repeat([]byte("no tracker "), 20_000)
	if err := os.WriteFile(filepath.Join(seedDir, "file.txt"), content, 0o644); err != nil {
		panic(err)
	}
	mi, err := metainfo.Create(filepath.Join(seedDir, "file.txt"), metainfo.CreateConfig{}) // no Announce
	if err != nil {
		panic(err)
	}
	var torrents []*swarm.Torrent
	for i, dir := range []string{seedDir, leechDir} {
		c, err := swarm.NewClient(swarm.ClientConfig{Listen: "/ip4/127.0.0.1/tcp/0", DHT: nodes[1+i]})
		if err != nil {
			panic(err)
		}
		defer c.Close()
		t, err := c.Add(mi, dir)
		if err != nil {
			panic(err)
		}
		torrents = append(torrents, t)
	}
	if err := torrents[1].Download(ctx); err != nil {
		panic(err)
	}
	got, _ := os.ReadFile(filepath.Join(leechDir, "file.txt"))
	fmt.Println("downloaded through the DHT:", bytes.Equal(got, content))
	// Output:
	// downloaded through the DHT: true
}
