// Package kademlia is a Kademlia DHT, the SDK's second DHT protocol beside
// the Chord of package dht, on the same node model: a [Peer] is a
// [transport.Handler] that runs unchanged in the simulator
// (transport/sim, through [Sim]) and on real networks (transport.Host,
// through [Node]).
//
// IDs are 160 bits; the distance between two IDs is their XOR. A node
// keeps k-buckets (one per length of the prefix it shares with a contact,
// K contacts each, least recently seen first) with a replacement cache;
// lookups are iterative, with Alpha requests in flight, and end when the K
// closest nodes heard of have all answered (or, with PeerConfig.Beta, the
// β closest: libp2p's rule, for lookups that need the closest node, not
// a token from each of the K). A value is stored at the K
// nodes closest to its key, expires after ValueTTL, is republished by its
// publisher and replicated by its holders. A key holds a set of values
// (provider records, like BitTorrent's peers of a torrent), not one value
// that writers overwrite.
//
// A wire protocol built on Kademlia reuses its pieces rather than the
// Peer: [Table] (the k-buckets), [Tokens] (write tokens bound to an IP)
// and [Walk] (the iterative lookup, with the protocol's own query
// function). BitTorrent's mainline DHT (BEP 5, package swarm/mainline)
// is built so; this package knows nothing of it.
//
// # Kademlia or Chord
//
// Choose Kademlia to meet the deployed world (BitTorrent's mainline DHT,
// BEP 5, and libp2p are Kademlia; this package is the base such a wire
// protocol builds on, and knows nothing of BitTorrent), when lookups
// should be short and survive churn without repair rounds (any of the K
// nodes of a bucket routes, parallel requests hide a dead one, and tables
// learn from the traffic itself), and for keys with many values from many
// publishers. Choose Chord (package dht) for the textbook's consistent
// hashing: exactly one owner per key and its successors as replicas,
// versioned values that a writer replaces or deletes, ring-ordered
// hand-off when nodes join and leave, and a few messages per lookup.
//
// Measured in the simulator at N = 10 000 (BenchmarkKademliaHops, which
// runs both): Kademlia with K = 20 and α = 3 finds exactly the K closest
// live nodes in 3.07 hops and 48.9 messages per lookup (requests and
// replies: a lookup must hear from at least K nodes); Chord finds a key's
// successor in 6.80 hops and 13.6 messages. Kademlia buys fewer hops
// (lower latency) and K replicas located at once with more messages.
// Lookups that end at the β = 3 closest (PeerConfig.Beta; kademlia-beta3
// in the same benchmark) need far fewer in as many hops: at N = 4 000
// (BenchmarkChordBesideKademlia, one run, the same keys through dht.DHT)
// 22.5 messages per lookup, 1.77 × Chord's 12.7, against 47.0 (3.71 ×)
// for strict lookups, in 2.64 and 2.66 hops (Chord 6.33).
//
// Both packages meet dht.DHT (Put, Get and Route of a key; [Node.DHT],
// [Sim.At]), so that examples and experiments swap one for the other:
// examples/dht -protocol chord|kademlia.
//
// # The shortest useful program
//
// Two nodes on loopback TCP (ExampleNode):
//
//	if err := a.Join(ctx); err != nil { // a starts a network
//		panic(err)
//	}
//	if err := b.Join(ctx, a.Addr()); err != nil {
//		panic(err)
//	}
//	if _, err := a.Put(ctx, []byte("key"), []byte("value")); err != nil {
//		panic(err)
//	}
//	values, err := b.Get(ctx, []byte("key"))
//
// where a and b come from kademlia.NewNode(cfg), and values holds every
// value stored under the key ([][]byte{"value"}).
//
// On one machine, raise PeerConfig.MaxPerIP and MaxPerSubnet: every node
// is at 127.0.0.1. [Sim] runs thousands of nodes in virtual time, with an
// oracle of the K closest live nodes ([Sim.Closest]).
//
// # Trust and limits
//
// Nothing a node says about itself is believed. A node enters a routing
// table only after it answered a request sent to its address, with the ID
// it answered with; a node that writes to us is pinged at the address it
// claims first. A contact named in a reply is a lookup candidate, never a
// table entry, until it answers. A live contact's ID cannot be taken over
// from another address. Stores need a write token from a recent find,
// bound to the requester's IP (the whole address in the simulator) and to
// a secret that rotates every TokenRotation. Helpers check and generate
// BEP 42 node IDs, tied to the node's IP ([CheckNodeID], [NodeIDForIP]);
// PeerConfig.RequireBEP42 keeps nodes with other IDs out of the table.
//
//	limit (PeerConfig)      default   refused counts in Stats
//	----------------------  --------  -----------------------------------
//	MaxPerIP per bucket     2         ContactsRefused
//	MaxPerSubnet (/24,/64)  4         ContactsRefused
//	RequireBEP42            off       ContactsRefused
//	MaxValueSize            4 KiB     ValuesRefused (empty values too)
//	MaxValuesPerKey         64        KeyRefused
//	MaxItems (all values)   65 536    FullRefused
//	MaxItemsPerSender (IP)  256       SenderRefused
//	write token             5 min     TokensRefused (foreign, forged,
//	  (TokenRotation)                   older than two rotations)
//	ValueTTL                24 h      a store may ask less, never more
//	MaxPendingPings         64        PingsDropped
//	MaxRequestRate per      250/s     RequestsDropped (no answer)
//	  host, MaxRateHosts      4 096
//	MaxQueries per lookup   256       LookupsCut
//	MaxPublished            4 096     the oldest is no longer republished
//	wire: 1 MiB frame, 64 contacts and 256 values of 64 KiB per message,
//	  256-byte addresses, 32-byte tokens; the decoder checks every count
//	  against the bytes left before it allocates (FuzzDecode)
package kademlia
