// Package tracker is BitTorrent's tracker, over HTTP (BEP 3, compact peer
// lists per BEP 23, IPv6 per BEP 7, scrape per BEP 48) and over UDP
// (BEP 15), and its client, which follows a torrent's announce-list tiers
// (BEP 12).
//
// A tracker knows who takes part in each torrent: a peer announces itself
// when it starts, every Interval while it runs, when it completes and when
// it stops, and gets back a random subset (numwant) of the others. Peers
// that stop announcing expire, and a sweep every SweepInterval forgets
// them and the torrents they leave empty. The HTTP and the UDP tracker of
// one Server share its peers.
//
// The package's Example serves both on loopback and announces to each:
//
//	srv, err := tracker.NewServer(tracker.Config{})
//	if err != nil {
//		panic(err)
//	}
//	defer srv.Close()
//	if err := srv.Start("127.0.0.1:0"); err != nil { // HTTP: /announce and /scrape
//		panic(err)
//	}
//	if err := srv.StartUDP("127.0.0.1:0"); err != nil { // BEP 15, the same peers
//		panic(err)
//	}
//	client, err := tracker.NewClient(tracker.ClientConfig{})
//
// and a peer announces with
//
//	resp, err := client.Announce(ctx, srv.UDPAnnounceURL(), leecher)
//
// The UDP tracker's connection IDs are an HMAC of the client's IP address
// and the minute, checked by recomputing them, so it keeps no state per
// client; the client uses one for a minute (the server accepts it for two
// to three) and sends a request again after 15·2^n seconds, n ≤ 8
// (ClientConfig.UDPRetryBase, UDPMaxRetries). [Tiers] tries a torrent's
// trackers tier by tier, each shuffled once, and moves one that answered
// to the front of its tier.
//
// # Limits
//
// Anyone can announce, so the server bounds what requests make it hold;
// an announce or scrape beyond a limit gets a "failure reason" and is
// counted in [Stats]. An announce costs O(numwant) whatever the torrent's
// size; a scrape O(info-hashes named).
//
//	limit                                    field                               default     refused is counted in
//	peers per torrent                        Config.MaxPeers                     100 000     Stats.RefusedTorrentFull
//	torrents                                 Config.MaxTorrents                  1 000 000   Stats.RefusedFull
//	peers of all torrents                    Config.MaxTotalPeers                2 000 000   Stats.RefusedFull
//	entries of one IPv4 address or IPv6 /64  Config.MaxPeersPerAddress           10 000      Stats.RefusedPerAddress
//	…of that address in one torrent          Config.MaxPeersPerAddressInTorrent  16          Stats.RefusedPerAddress
//	info-hashes per scrape (none: refused)   Config.MaxScrapeHashes              64          Stats.RefusedScrapes
//	peers per answer                         Config.MaxNumWant                   200         — (the answer is cut)
//	time a peer stays listed unannounced     Config.PeerTTL                      2×Interval  Stats.Expired
//	time between sweeps                      Config.SweepInterval                1 min       —
//	idle time of a kept-alive connection     HTTPConfig.IdleTimeout              15 s        —
//	time to read a request                   HTTPConfig.ReadTimeout              10 s        —
//	time to read a request head              HTTPConfig.ReadHeaderTimeout        5 s         —
//	time to write a response                 HTTPConfig.WriteTimeout             10 s        —
//	bytes of a request head                  HTTPConfig.MaxHeaderBytes           16 KiB      — (431 answer)
//	open HTTP connections                    HTTPConfig.MaxConns                 1024        Stats.HTTPRefusedConns
//	…of one IPv4 address or IPv6 /64         HTTPConfig.MaxConnsPerAddress       32          Stats.HTTPRefusedConns
//	UDP packets a second of one address      UDPConfig.RequestsPerSecond         100         Stats.UDPDroppedRate
//	addresses whose UDP rate is tracked      UDPConfig.MaxRateAddresses          100 000     — (the rest share one rate)
//	bytes of a UDP request or answer         UDPConfig.MaxPacketSize             1500        Stats.UDPDroppedMalformed
//	life of a UDP connection ID              UDPConnIDLifetime                   2–3 min     Stats.UDPDroppedConnID
//
// 10^6 announces over 10^5 torrents from 10^3 addresses hold 60 MiB of
// heap, all given back once they expire; a torrent of one peer costs about
// 180 bytes, so the defaults bound the tracker's memory to about 250
// MiB. Answers prefer distinct addresses: a second port of an address
// is listed only when too few others are at hand. The connection caps
// hold only for [Server.Start]; the http.Server of [Server.HTTPServer]
// or [NewHTTPServer] has the timeouts and the head limit, and a bare
// http.Serve keeps idle connections forever. A UDP announce or scrape is
// answered only to an address that proved it receives (by its
// connection ID), and never with more than MaxPacketSize bytes; a
// connect answer is as long as its request.
package tracker
