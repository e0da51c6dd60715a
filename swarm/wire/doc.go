// Package wire is the BitTorrent peer wire protocol (BEP 3): the 68-byte
// handshake, then messages framed as a 4-byte big-endian length and a
// 1-byte id: keep-alive, choke, unchoke, interested, not interested, have,
// bitfield, request, piece, cancel and port.
//
// Each message is a Go type that implements transport.Message, so the same
// values travel through the simulator (where only their Size counts) and,
// through [NewCodec], over a transport.Host to real BitTorrent clients.
//
//	codec := wire.NewCodec(wire.CodecConfig{InfoHash: mi.InfoHash, PeerID: id})
//	host, err := transport.NewHost(transport.HostConfig{Stream: &transport.TCP{},
//		Listen: addr, Codec: codec}, newPeer)
package wire
