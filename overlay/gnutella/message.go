package gnutella

import (
	"crypto/rand"
	"fmt"
	mrand "math/rand/v2"
)

// Message is one Gnutella message: its header and decoded payload. It is
// the transport.Message a servent sends and receives; its Size is the
// wire size, so the simulator charges bandwidth for it.
type Message struct {
	Header  Header
	Payload Payload
}

// Size returns HeaderLen plus the payload length.
func (m *Message) Size() int { return HeaderLen + int(m.Header.Length) }

// String summarises the message for logs.
func (m *Message) String() string {
	return fmt.Sprintf("%v %s ttl=%d hops=%d len=%d", m.Header.Type, m.Header.ID, m.Header.TTL, m.Header.Hops, m.Header.Length)
}

// NewMessage builds a message with the given GUID, TTL and payload, hops
// 0, and the header's type and length taken from the payload.
func NewMessage(id GUID, ttl uint8, p Payload) *Message {
	return &Message{Header: Header{ID: id, Type: p.Type(), TTL: ttl, Length: uint32(p.Len())}, Payload: p}
}

// Forwarded returns the copy of m a servent forwards: TTL one less, hops
// one more, same GUID and payload (shared, not copied).
func (m *Message) Forwarded() *Message {
	f := *m
	f.Header.TTL--
	f.Header.Hops++
	return &f
}

// AppendMessage appends the wire form of m (header and payload) to dst.
// The header's Type and Length are taken from the payload.
func AppendMessage(dst []byte, m *Message) []byte {
	h := m.Header
	h.Type = m.Payload.Type()
	h.Length = uint32(m.Payload.Len())
	dst = AppendHeader(dst, h)
	return m.Payload.AppendTo(dst)
}

// ParseMessage decodes one whole message from b (header and exactly
// Length payload bytes). The payload may point into b.
func ParseMessage(b []byte) (*Message, error) {
	h, err := ParseHeader(b)
	if err != nil {
		return nil, err
	}
	if uint64(len(b)-HeaderLen) != uint64(h.Length) {
		return nil, fmt.Errorf("%w: payload of %d bytes, header says %d", ErrMalformed, len(b)-HeaderLen, h.Length)
	}
	p, err := ParsePayload(h.Type, b[HeaderLen:])
	if err != nil {
		return nil, err
	}
	return &Message{Header: h, Payload: p}, nil
}

// NewGUID returns a random GUID marked as a "modern" servent's, as 0.6
// servents do: byte 8 is 0xff and byte 15 is 0x00.
func NewGUID() GUID {
	var g GUID
	_, _ = rand.Read(g[:])
	return markGUID(g)
}

// GUIDFrom draws a GUID from a seeded source (for the simulator, which
// must be deterministic).
func GUIDFrom(r *mrand.Rand) GUID {
	var g GUID
	le.PutUint64(g[:8], r.Uint64())
	le.PutUint64(g[8:], r.Uint64())
	return markGUID(g)
}

func markGUID(g GUID) GUID {
	g[8] = 0xff
	g[15] = 0x00
	return g
}
