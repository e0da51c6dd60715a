package mainline_test

import (
	"context"
	"crypto/sha1"
	"fmt"

	"github.com/networkutopia/p2p/swarm/mainline"
	"github.com/networkutopia/p2p/swarm/metainfo"
)

// Three BEP 5 nodes on loopback UDP: two bootstrap from the first, one
// announces a peer of a torrent and the other finds it.
func ExampleNode() {
	ctx := context.Background()
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
	a, b, c := nodes[0], nodes[1], nodes[2]
	if err := b.Bootstrap(ctx, a.Addr()); err != nil {
		panic(err)
	}
	if err := c.Bootstrap(ctx, a.Addr()); err != nil {
		panic(err)
	}
	infoHash := metainfo.Hash(sha1.Sum([]byte("a torrent's info dictionary")))
	if _, err := b.Announce(ctx, infoHash, 6881); err != nil {
		panic(err)
	}
	peers, err := c.GetPeers(ctx, infoHash)
	if err != nil {
		panic(err)
	}
	fmt.Println(peers)
	// Output:
	// [127.0.0.1:6881]
}
