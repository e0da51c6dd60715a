// Package libp2p runs the SDK's protocols over go-libp2p: a
// [transport.StreamTransport] whose streams are libp2p streams, so a
// [transport.Host] (and every protocol built on it) talks to libp2p peers,
// with libp2p's peer identities, encryption and multiplexing, without
// changing a line of protocol code.
//
// Use it when peers must be named by their keys rather than their IP
// addresses, when connections must be authenticated and encrypted (Noise
// over TCP, TLS in QUIC), or when many streams to one peer should share one
// connection. Use [transport.TCP] when plain sockets will do (they are
// faster and interoperate with non-libp2p programs), and the in-memory
// network or transport/sim for tests. It lives in its own package so that
// importing transport never compiles go-libp2p.
//
// Addresses are multiaddrs that end in the peer ID, derived from the host's
// Ed25519 key ([Config].Key, [KeyFromSeed] for tests):
//
//	/ip4/127.0.0.1/tcp/4001/p2p/12D3KooW...          TCP + Noise + yamux
//	/ip4/127.0.0.1/udp/4001/quic-v1/p2p/12D3KooW...  QUIC
//
// Every stream carries one protocol ID ([Config].Protocol). Dial connects
// to the peer (or reuses the connection the host already has) and opens a
// stream; Listen makes the host listen on an address and returns a
// net.Listener that accepts the peers' streams. Streams are *[Conn] values:
// net.Conns with deadlines and CloseWrite, whose errors follow the net
// package's conventions. Both transports pass the conformance suite in
// transport/transporttest.
//
// The shortest useful code runs a Host on it:
//
//	tr, err := libp2p.New(libp2p.Config{})
//	if err != nil { ... }
//	defer tr.Close()
//	h, err := transport.NewHost(transport.HostConfig{
//		Stream: tr,
//		Listen: "/ip4/0.0.0.0/tcp/4001",
//	}, newNode)
//	if err != nil { ... }
//	defer h.Close()
//	fmt.Println(tr.Addrs()) // [/ip4/192.0.2.7/tcp/4001/p2p/12D3KooW... ...]: give one to peers
//
// A dial to a QUIC address where nothing listens any more fails only when
// QUIC's handshake times out (5 s): QUIC gets no "connection refused".
package libp2p
