// Package tracker is BitTorrent's HTTP tracker (BEP 3, compact peer lists
// per BEP 23, IPv6 per BEP 7, scrape per BEP 48) and its client.
//
// A tracker knows who takes part in each torrent: a peer announces itself
// when it starts, every Interval while it runs, when it completes and when
// it stops, and gets back a random subset (numwant) of the others. Peers
// that stop announcing expire.
//
//	srv, _ := tracker.NewServer(tracker.Config{})
//	go http.Serve(ln, srv) // serves /announce and /scrape
//
//	resp, err := tracker.Announce(ctx, nil, "http://host:6969/announce", tracker.AnnounceRequest{
//		InfoHash: mi.InfoHash, PeerID: id, Port: 6881, Left: size, Event: tracker.Started,
//	})
package tracker
