package tracker_test

import (
	"context"
	"fmt"
	"net"

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
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	hs := srv.HTTPServer() // timeouts and a header limit; serves /announce and /scrape
	go hs.Serve(ln)
	defer hs.Close()
	announce := "http://" + ln.Addr().String() + "/announce"
	ih := metainfo.HashPiece([]byte("some torrent"))

	seed := tracker.AnnounceRequest{InfoHash: ih, PeerID: wire.NewPeerID(), Port: 6881, Event: tracker.Started}
	_, _ = tracker.Announce(context.Background(), nil, announce, seed)

	leecher := tracker.AnnounceRequest{InfoHash: ih, PeerID: wire.NewPeerID(), Port: 6882, Left: 1000, Event: tracker.Started}
	resp, err := tracker.Announce(context.Background(), nil, announce, leecher)
	if err != nil {
		panic(err)
	}
	fmt.Println("interval", resp.Interval, "seeds", resp.Complete, "leechers", resp.Incomplete)
	fmt.Println("peers", resp.Peers)
	// Output:
	// interval 30m0s seeds 1 leechers 1
	// peers [127.0.0.1:6881]
}
