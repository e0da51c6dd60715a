// Package p2p is an embeddable SDK of the building blocks that peer-to-peer
// systems and the DNS are made of: transports and a deterministic network
// simulator, a Chord-style DHT, a BitTorrent-style swarm, unstructured
// overlays (Napster, Gnutella, KaZaA super-peers) and a DNS hierarchy with
// an authoritative server and a caching resolver.
//
// This package holds no code; it is the map. Start with:
//
//	transport            how bytes and messages move: the node model (Env,
//	                     Handler, Codec), TCP, UDP, and Host, which runs a
//	                     protocol node on any transport
//	transport/mem        an in-memory network with fault injection
//	transport/sim        a deterministic discrete-event network: virtual
//	                     time, latency, loss, bandwidth, partitions, churn
//	transport/libp2p     the same node model over go-libp2p streams
//	transport/transporttest
//	                     the conformance suite every transport passes
//	dht                  Chord-style consistent hashing: successor lists,
//	                     fingers, replication, churn
//	dht/kademlia         Kademlia: XOR distance, k-buckets, α-parallel
//	                     lookups, write tokens (the base of BEP 5)
//	swarm                BitTorrent: bencode, metainfo, tracker, peer wire,
//	                     rarest-first, tit-for-tat, distribution-time bounds;
//	                     swarm/mainline, the mainline DHT (BEP 5) on UDP
//	dnsx                 DNS names, records, zones, messages; dnsx/authserver
//	                     (authoritative server, transfers, registrar) and
//	                     dnsx/resolver (iterative resolver with cache,
//	                     defences)
//	overlay              overlay graphs, Napster, Gnutella 0.6, KaZaA-style
//	                     super-peers
//	experiments/...      cross-package experiments in the simulator, such as
//	                     experiments/compare: the overlays and the DHT on one
//	                     workload
//	examples/...         runnable programs; examples/tour runs them all
//
// # Layers
//
// Packages import only downwards; nothing imports examples, and only
// examples import experiments.
//
//	+-----------------------------------------------------------+
//	| examples/...   runnable programs; examples/tour runs all  |
//	+-----------------------------------------------------------+
//	| experiments/compare  experiments/dnsattack                |
//	+-----------------------------------------------------------+
//	| overlay  napster gnutella superpeer transfer              |
//	+-------------------+-------------------+-------------------+
//	| dht               | swarm             | dnsx              |
//	|                   | wire metainfo     | authserver        |
//	|                   | tracker bencode   | resolver          |
//	+-------------------+-------------------+-------------------+
//	| transport  Env Handler Codec Host TCP UDP                 |
//	| transport/mem  transport/sim  transport/libp2p            |
//	| transport/transporttest                                   |
//	+-----------------------------------------------------------+
//	| internal/golden  internal/testutil (tests only)           |
//	+-----------------------------------------------------------+
//
// # One name per role
//
// Every package uses the same words for the same roles, so that a reader
// who knows one protocol can guess the names of the next:
//
//	role                                     name
//	---------------------------------------  ------------------------------
//	the protocol: a transport.Handler that   Peer, NewPeer(PeerConfig);
//	  runs in the simulator and on a Host      a client-server role keeps its
//	                                           name (napster.Server,
//	                                           authserver.Server, the
//	                                           tracker Server)
//	the protocol's settings                  PeerConfig (ServerConfig)
//	a real-network node: a Host running the  Node, NewNode(NodeConfig), with
//	  handler, with blocking methods           context-first methods
//	                                           (dht.Node.Get(ctx, key));
//	                                           swarm.Client is the one that
//	                                           runs many torrents, each its
//	                                           own Peer; napster.Directory
//	                                           runs the napster.Server
//	the simulator harness for a protocol     Sim, NewSim(SimConfig)
//	a snapshot of counters                   Stats, read with Stats()
//	a configuration that cannot work         ErrBadConfig, wrapped as
//	                                           "dht: bad config: Field ..."
//	the node model itself                    transport.Env, Handler, Conn,
//	                                           Codec, Host
//
// Constructors check their configuration and return an error; none
// panics on bad input. Validate rejects a field that would be ignored.
//
// # One convention per concept
//
//   - Looking a key up: Lookup(key []byte) hashes the key, LookupID(id)
//     takes an ID already in the space; on a Peer (with a done callback),
//     a Node (with a context) and a Sim (from a member's address) alike.
//   - Addresses are transport.Addr: multiaddr text on real networks
//     (/ip4/127.0.0.1/tcp/4001, /mem/alice/tcp/80, .../p2p/12D3...), the
//     simulator's short form in it. transport.TCPAddr("127.0.0.1:4001")
//     and transport.UDPAddr convert host:port; a host:port given where an
//     Addr is expected fails with an error wrapping transport.ErrBadAddr.
//   - Starting and stopping: New... returns a running thing or an error;
//     Close stops it, waits for its goroutines and may be called twice.
//     After Close, methods fail with the package's ErrClosed.
//   - Errors are matched with errors.Is against the package's sentinels
//     (ErrBadConfig, ErrClosed, ErrNotFound, ErrTimeout...) and against
//     transport.ErrBadAddr and transport.ErrUnreachable for addresses; a
//     failed join or dial names the address it tried, never our own.
//   - Progress and counters: Stats() returns a snapshot struct of plain
//     numbers; long operations take a context and report progress through
//     an optional callback.
//
// # One protocol, two worlds
//
// Every protocol is written once as a single-threaded node that reacts to
// messages and timers through a [transport.Env]. The same node runs inside
// the simulator, where a hundred thousand nodes share one goroutine and the
// same seed gives the same result, and on a real network inside a
// [transport.Host]. The package's Example runs one such node, an echo
// that answers through its Env only, in both. On two hosts of the
// in-memory network (package transport/mem):
//
//	network := mem.New(mem.Config{})
//	defer network.Close()
//
// each host made with transport.NewHost(transport.HostConfig{Stream:
// network, Listen: addr}, newEcho); swap the network for &transport.TCP{}
// or a libp2p transport and nothing else changes. In the simulator, the
// same newEcho:
//
//	world, err := sim.New(sim.Config{Seed: 1})
//	if err != nil {
//		fmt.Println(err)
//		return
//	}
//	x, y := world.AddNode(newEcho), world.AddNode(newEcho)
//	_ = world.Do(x, ask(y, "hello, sim"))
//	world.Run(time.Second)
//
// Run the tour with:
//
//	go run ./examples/tour
package p2p
