package tracker_test

import (
	"context"
	"fmt"

	"github.com/networkutopia/p2p/swarm/metainfo"
	"github.com/networkutopia/p2p/swarm/tracker"
	"github.com/networkutopia/p2p/swarm/wire"
)

func Example() {
	srv, err := tracker.NewServer(tracker.Config{})
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	if err := srv.Start("127.0.0.1:0"); err != nil { // HTTP: /announce and /scrape
		panic(err)
	}
	if err := srv.StartUDP("127.0.0.1:0"); err != nil { // BEP 15, the same peers
		panic(err)
	}
	client, err := tracker.NewClient(tracker.ClientConfig{})
	if err != nil {
		panic(err)
	}
	ih := metainfo.HashPiece([]byte("some torrent"))
	ctx := context.Background()

	seed := tracker.AnnounceRequest{InfoHash: ih, PeerID: wire.NewPeerID(), Port: 6881, Event: tracker.Started}
	_, _ = client.Announce(ctx, srv.AnnounceURL(), seed)

	leecher := tracker.AnnounceRequest{InfoHash: ih, PeerID: wire.NewPeerID(), Port: 6882, Left: 1000, Event: tracker.Started}
	resp, err := client.Announce(ctx, srv.UDPAnnounceURL(), leecher)
	if err != nil {
		panic(err)
	}
	fmt.Println("interval", resp.Interval, "seeds", resp.Complete, "leechers", resp.Incomplete)
	fmt.Println("peers", resp.Peers)
	// Output:
	// interval 30m0s seeds 1 leechers 1
	// peers [127.0.0.1:6881]
}

// A torrent's trackers in BEP 12 tiers: a dead tracker is passed over and
// the one that answered is asked first next time.
func ExampleTiers() {
	srv, err := tracker.NewServer(tracker.Config{})
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	if err := srv.StartUDP("127.0.0.1:0"); err != nil {
		panic(err)
	}
	client, err := tracker.NewClient(tracker.ClientConfig{})
	if err != nil {
		panic(err)
	}
	dead := "http://127.0.0.1:1/announce" // nothing listens on port 1
	tiers := tracker.NewTiers(dead, [][]string{{dead}, {srv.UDPAnnounceURL()}})
	req := tracker.AnnounceRequest{InfoHash: metainfo.HashPiece([]byte("t")), PeerID: wire.NewPeerID(), Port: 6881}
	_, u, err := tiers.Announce(context.Background(), client, req)
	fmt.Println(err, u == srv.UDPAnnounceURL())
	// Output:
	// <nil> true
}
