// Package tracker is BitTorrent's HTTP tracker (BEP 3, compact peer lists
// per BEP 23, IPv6 per BEP 7, scrape per BEP 48) and its client.
//
// A tracker knows who takes part in each torrent: a peer announces itself
// when it starts, every Interval while it runs, when it completes and when
// it stops, and gets back a random subset (numwant) of the others. Peers
// that stop announcing expire, and a sweep every SweepInterval forgets
// them and the torrents they leave empty.
//
// The package's Example serves a tracker on loopback and announces to it:
//
//	srv, err := tracker.NewServer(tracker.Config{})
//	if err != nil {
//		panic(err)
//	}
//	defer srv.Close()
//	ln, err := net.Listen("tcp", "127.0.0.1:0")
//	if err != nil {
//		panic(err)
//	}
//	hs := srv.HTTPServer() // timeouts and a header limit; serves /announce and /scrape
//	go hs.Serve(ln)
//	defer hs.Close()
//	announce := "http://" + ln.Addr().String() + "/announce"
//
// and a peer announces with
//
//	resp, err := tracker.Announce(context.Background(), nil, announce, leecher)
//
// # Limits
//
// Anyone can announce, so the server bounds what requests make it hold;
// an announce or scrape beyond a limit gets a "failure reason" and is
// counted in [Stats]. An announce costs O(numwant) whatever the torrent's
// size; a scrape O(info-hashes named).
//
//	limit                                    field                          default    refused is counted in
//	peers per torrent                        Config.MaxPeers                100 000    Stats.RefusedTorrentFull
//	torrents                                 Config.MaxTorrents             1 000 000  Stats.RefusedFull
//	peers of all torrents                    Config.MaxTotalPeers           2 000 000  Stats.RefusedFull
//	entries of one IPv4 address or IPv6 /64  Config.MaxPeersPerAddress      10 000     Stats.RefusedPerAddress
//	info-hashes per scrape (none: refused)   Config.MaxScrapeHashes         64         Stats.RefusedScrapes
//	peers per answer                         Config.MaxNumWant              200        — (the answer is cut)
//	time a peer stays listed unannounced     Config.PeerTTL                 2×Interval Stats.Expired
//	time between sweeps                      Config.SweepInterval           1 min      —
//	idle time of a kept-alive connection     HTTPConfig.IdleTimeout         15 s       —
//	time to read a request                   HTTPConfig.ReadTimeout         10 s       —
//	time to read a request head              HTTPConfig.ReadHeaderTimeout   5 s        —
//	time to write a response                 HTTPConfig.WriteTimeout        10 s       —
//	bytes of a request head                  HTTPConfig.MaxHeaderBytes      16 KiB     — (431 answer)
//
// 10^6 announces over 10^5 torrents from 10^3 addresses hold 60 MiB of
// heap, all given back once they expire; a torrent of one peer costs about
// 180 bytes, so the defaults bound the tracker's memory to about 250 MiB. The HTTP limits hold only for
// the http.Server of [Server.HTTPServer] or [NewHTTPServer]; a bare
// http.Serve keeps idle connections forever.
package tracker
