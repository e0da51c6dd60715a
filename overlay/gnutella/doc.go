// Package gnutella implements the Gnutella 0.6 protocol: the wire format
// (the text connect handshake, then messages with a 23-byte header: GUID,
// type, TTL, hops, little-endian payload length), a servent that keeps a
// bounded set of neighbours, discovers hosts with Ping/Pong, floods
// Queries with a TTL, suppresses duplicates by GUID, routes QueryHits back
// along the reverse path, clamps abusive TTLs and rate-limits floods, and
// serves its files over HTTP on the same port.
//
// Use it to join or study an unstructured, flooding peer-to-peer network.
// The pieces:
//
//   - The wire: NewCodec (a transport.Codec), ParseMessage, AppendMessage,
//     ParseHeader (allocation-free). It talks to any 0.6 servent.
//   - Peer, the protocol as a transport.Handler: it runs unchanged in the
//     simulator (NewSim floods a workload over 10 000 servents) and on a
//     transport.Host.
//   - Node, the user API on a real network: Join, Share, Search (hits
//     as they arrive), Fetch (HTTP download), Close.
//
// The shortest useful program, a servent that shares a file and one that
// finds and downloads it:
//
//	sharer, _ := gnutella.NewNode(gnutella.NodeConfig{PeerConfig: gnutella.PeerConfig{Files: files}})
//	seeker, _ := gnutella.NewNode(gnutella.NodeConfig{})
//	_ = seeker.Join(ctx, sharer.Addr())
//	hits, _ := seeker.Search(ctx, "free song", gnutella.SearchLimits{MaxHits: 1})
//	data, _ := seeker.Fetch(ctx, <-hits)
//
// # Limits
//
// What a remote can make a servent hold is bounded by PeerConfig fields,
// and what they refused is counted in Stats:
//
//	limit                     field                   default   counted in
//	neighbours                MaxDegree               9         Refused, Evicted
//	neighbours on one host    MaxPerAddress           3         RefusedPerAddress
//	Queries per neighbour     QueryRate, QueryBurst   20/s, 40  RateLimited
//	TTL + hops                MaxTTL                  7         Clamped
//	hosts learned from Pongs  KnownHosts              200       (oldest dropped)
//	payload of a message      CodecConfig.MaxPayload  64 KiB    (connection closed)
//
// A host is an IPv4 address or an IPv6 /64. A newcomer to a full servent
// evicts a neighbour that never forwarded anything (connections that only
// complete the handshake), and is refused only when every neighbour was
// useful. On loopback every servent shares 127.0.0.1: more than four
// servents on one machine need MaxPerAddress raised.
//
// Encoding and decoding a message by hand:
//
//	m := gnutella.NewMessage(gnutella.NewGUID(), 7, &gnutella.Query{Criteria: "free song"})
//	b := gnutella.AppendMessage(nil, m)
//	back, err := gnutella.ParseMessage(b)
//
// # Metrics
//
// A [Node] given NodeConfig.Metrics exports, labelled with its address,
// p2p_gnutella_* (searches, queries received and forwarded, hits sent,
// routed and received, duplicates, TTL-expired, clamped and rate-limited
// drops, refusals, neighbours, routes), p2p_gnutella_uploads_* and its
// host's p2p_transport_* series, until Close.
package gnutella
