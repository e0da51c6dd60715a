// Package mainline is BitTorrent's mainline DHT (BEP 5): KRPC over UDP,
// bencoded with swarm/bencode, on the Kademlia of package dht/kademlia,
// whose routing table, write tokens and iterative lookup it reuses
// (kademlia.Table, kademlia.Tokens, kademlia.Walk). It talks to
// libtorrent, aria2 and every other mainline node.
//
// A [Peer] is a transport.Handler on a Host's datagram path; a [Node] runs
// one on a UDP socket (NodeConfig.Listen, or a NodeConfig.Conn opened
// elsewhere) with blocking, context-aware methods: Bootstrap, Ping,
// FindNode, GetPeers, Announce. Queries: ping, find_node, get_peers
// (peers, or else the closest nodes, and a token), announce_peer (with
// implied_port); errors 201-204; compact node and peer info for IPv4
// and IPv6 (BEP 32's nodes6 and want); read-only nodes (BEP 43,
// Config.ReadOnly: its queries carry "ro", it answers none, and nodes
// that send "ro" never enter our table); the "ip" field of BEP 42 in
// replies, from which a node learns its external address
// ([Node.ExternalIP]). A swarm.Client finds peers through a Node with
// ClientConfig.DHT.
//
// # The shortest useful program
//
// Three nodes on loopback (ExampleNode):
//
//	if err := b.Bootstrap(ctx, a.Addr()); err != nil {
//		panic(err)
//	}
//	if err := c.Bootstrap(ctx, a.Addr()); err != nil {
//		panic(err)
//	}
//	infoHash := metainfo.Hash(sha1.Sum([]byte("a torrent's info dictionary")))
//	if _, err := b.Announce(ctx, infoHash, 6881); err != nil {
//		panic(err)
//	}
//	peers, err := c.GetPeers(ctx, infoHash)
//
// where a, b and c come from mainline.NewNode(cfg), and peers holds
// 127.0.0.1:6881. On one machine, raise Config.MaxPerIP and
// MaxPerSubnet: every node is at 127.0.0.1.
//
// # Trust and limits
//
// A node enters the routing table only by answering a query sent to its
// address, with the ID it answered with; a node that queries us is
// pinged first (at most MaxPendingPings at once). A contact named in a
// reply is a lookup candidate, never a table entry. An announce needs the
// token a get_peers gave to the same IP within one to two TokenRotations
// (an HMAC of the IP under a rotating secret: nothing to store per
// requester), and stores the requester's own IP, never one it names.
//
//	limit (Config)            default   refused counts in Stats
//	------------------------  --------  ------------------------------
//	MaxRequestRate per IP     100/s     RequestsDropped (no answer)
//	  MaxRateHosts per second   4096      RequestsDropped
//	announce token            5 min     TokensRefused (error 203)
//	  (TokenRotation)
//	port 0, no implied_port   -         PortsRefused (error 203)
//	MaxPeersPerInfoHash       512       InfoHashFull (error 202)
//	MaxStoredPeers            100 000   StoreFull (error 202)
//	MaxPeersPerSender (IP)    256       SenderFull (error 202)
//	PeerTTL                   30 min    expired, not counted
//	MaxValuesPerReply         100       a random window is sent
//	MaxPeersPerLookup         1024      further peers are ignored
//	MaxQueries per lookup     256       the lookup ends
//	MaxPerIP, MaxPerSubnet    2, 4      ContactsRefused
//	  per bucket (/24, /64)
//	RequireBEP42              off       ContactsRefused
//	MaxPendingPings           64        PingsDropped
//	BEP 44 MaxItems           4096      ItemsRefused (error 202)
//	  MaxItemsPerSender (IP)    64        ItemsRefused (error 202)
//	  value > 1000 B, salt > 64 -         ItemsRefused (205, 207)
//	  bad signature           -         BadSignatures (206)
//	  seq backwards, bad cas  -         SeqRefused (302, 301)
//	  ItemTTL                 2 h       expired, not counted
//	wire: 64 KiB datagrams, 8 levels of nesting, 16-byte transaction
//	  IDs, 64-byte tokens; bad types, node lists not a multiple of 26
//	  (38), IDs not of 20 bytes: Malformed (error 203 to a query, a
//	  failed query for a reply) (FuzzDecode, FuzzHandle)
package mainline
