// Package transport is how bytes and messages move in the SDK: the node
// model every protocol is written against, real transports, and Host, which
// runs a protocol node on them.
//
// Use it to write a protocol once and run it both in the simulator
// (package transport/sim) and on a real network; or, below the node model,
// for its transports alone (TCP, UDP, and in transport/mem an in-memory
// network with fault injection), which return plain net.Conn, net.Listener
// and net.PacketConn.
//
// # The node model
//
// A protocol node is a [Handler]: a single-threaded state machine whose
// methods are called one at a time on the node's event loop. It gets every
// effect it needs from its [Env]: the time, a seeded random source,
// Send, timers (AfterFunc), work off the loop (Offload), and, through the
// optional [Binder], extra datagram endpoints. Optional interfaces report connection events
// ([ConnHandler]), unreachable peers ([UnreachableHandler]), drained send
// queues after backpressure ([DrainHandler]) and shutdown ([Stopper]).
// [Calls] is the request/response helper protocols share: IDs, retries and
// timeouts adapted to each peer's round trip.
//
// # Running a node
//
// [Host] runs a Handler on any [StreamTransport] (and, for datagrams, a
// [PacketTransport]): [TCP], [UDP], the in-memory network of transport/mem or transport/libp2p. It
// keeps one connection per peer, frames messages with a per-connection
// [Codec] (by default [FrameCodec], length-prefixed with a maximum size),
// applies dial, handshake, idle and write timeouts, turns slow peers into
// [ErrBackpressure] rather than unbounded memory, and closes cleanly:
//
//	h, err := transport.NewHost(transport.HostConfig{
//		Stream: &transport.TCP{},
//		Listen: "/ip4/127.0.0.1/tcp/0",
//	}, newNode)
//	...
//	defer h.Close()
//	err = h.Submit(func() { /* runs on the node's loop */ })
//
// The same newNode given to sim.Network.AddNode runs in virtual time.
//
// # Addresses
//
// An [Addr] is a multiaddr-style string: /ip4/127.0.0.1/tcp/6789,
// /ip6/::1/udp/53, /mem/alice/tcp/80 for the in-memory network,
// /sim/42 in the simulator, and libp2p multiaddrs ending in /p2p/<peer ID>.
//
// The conformance suite in transport/transporttest checks that a transport
// behaves as the rest of the SDK expects.
//
// A [Host] given HostConfig.Metrics exports its counters
// (p2p_transport_*) and two histograms of its node's [Calls]:
// p2p_transport_rtt_seconds and p2p_transport_call_seconds (by result).
// An Env that wraps the host's (to count messages) implements [Wrapper]
// so that Calls still finds them.
package transport
