// Package gnutella implements the Gnutella 0.6 protocol: the wire format
// (the text connect handshake, then messages with a 23-byte header: GUID,
// type, TTL, hops, little-endian payload length), a servent that floods
// Queries over its neighbours with a TTL, suppresses duplicates by GUID and
// routes QueryHits back along the reverse path, and downloads over HTTP.
//
// Use it to join or study an unstructured, flooding peer-to-peer network.
// The wire part alone (NewCodec, ParseMessage, AppendMessage) talks to any
// 0.6 servent; the servent runs in the simulator (transport/sim) for
// experiments at 10 000 nodes and on real networks through transport.Host.
//
// Encoding and decoding a message:
//
//	m := gnutella.NewMessage(gnutella.NewGUID(), 7, &gnutella.Query{Criteria: "free song"})
//	b := gnutella.AppendMessage(nil, m)
//	back, err := gnutella.ParseMessage(b)
package gnutella
