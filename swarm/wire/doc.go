// Package wire is the BitTorrent peer wire protocol (BEP 3): the 68-byte
// handshake, then messages framed as a 4-byte big-endian length and a
// 1-byte id: keep-alive, choke, unchoke, interested, not interested, have,
// bitfield, request, piece, cancel and port; and the extension protocol
// (BEP 10: the reserved bit, [Extended] messages and the [ExtHandshake])
// with the payloads of its metadata exchange (BEP 9, [Metadata]) and peer
// exchange (BEP 11, [PEX]); and the Fast extension (BEP 6: have-all,
// have-none, suggest, reject, allowed-fast and [AllowedFastSet]). Their decoders bound what they accept:
// MaxExtensions names in a handshake, 16 KiB of metadata a message, the
// caller's limit of peers a PEX list.
//
// Each message is a Go type that implements transport.Message, so the same
// values travel through the simulator (where only their Size counts) and,
// through [NewCodec], over a transport.Host to real BitTorrent clients
// (ExampleNewCodec; newPeer makes the protocol node, swarm.NewPeer in
// package swarm):
//
//	codec := wire.NewCodec(wire.CodecConfig{InfoHash: infoHash, PeerID: wire.NewPeerID()})
//	host, err := transport.NewHost(transport.HostConfig{Stream: &transport.TCP{},
//		Listen: "/ip4/127.0.0.1/tcp/0", Codec: codec}, newPeer)
package wire
