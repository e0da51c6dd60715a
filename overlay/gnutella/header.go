package gnutella

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
)

// HeaderLen is the size of every message header: 16-byte GUID, type, TTL,
// hops and a 4-byte little-endian payload length.
const HeaderLen = 23

// MaxTTL is the largest TTL a servent forwards: "TTL is usually at most
// 7". Larger TTLs are clamped to it (TTL + hops at most MaxTTL).
const MaxTTL = 7

// GUID identifies a message on the network (the "descriptor ID") or a
// servent (the servent identifier of a QueryHit).
type GUID [16]byte

// String returns the GUID in hexadecimal.
func (g GUID) String() string { return hex.EncodeToString(g[:]) }

// Type is the payload descriptor: what a message carries.
type Type uint8

// The message types of Gnutella 0.6.
const (
	TypePing     Type = 0x00
	TypePong     Type = 0x01
	TypeBye      Type = 0x02
	TypePush     Type = 0x40
	TypeQuery    Type = 0x80
	TypeQueryHit Type = 0x81
)

// Known reports whether this package can decode the type.
func (t Type) Known() bool {
	switch t {
	case TypePing, TypePong, TypeBye, TypePush, TypeQuery, TypeQueryHit:
		return true
	}
	return false
}

// String names the type ("Query"), or gives it in hexadecimal.
func (t Type) String() string {
	switch t {
	case TypePing:
		return "Ping"
	case TypePong:
		return "Pong"
	case TypeBye:
		return "Bye"
	case TypePush:
		return "Push"
	case TypeQuery:
		return "Query"
	case TypeQueryHit:
		return "QueryHit"
	}
	return fmt.Sprintf("Type(0x%02x)", uint8(t))
}

// Header is the 23-byte header in front of every message.
type Header struct {
	// ID is the message's GUID: replies (Pong, QueryHit) carry the ID of
	// the request they answer, which is how they find their way back.
	ID GUID
	// Type says what the payload is.
	Type Type
	// TTL is how many more times the message may be forwarded.
	TTL uint8
	// Hops is how many times it has been forwarded.
	Hops uint8
	// Length is the payload length in bytes.
	Length uint32
}

// ParseHeader decodes a header from the first HeaderLen bytes of b. It
// does not allocate. It rejects a header whose TTL + hops exceeds 255;
// clamping a large TTL is the servent's business (see Header.Clamp).
func ParseHeader(b []byte) (Header, error) {
	if len(b) < HeaderLen {
		return Header{}, fmt.Errorf("%w: header of %d bytes, want %d", ErrMalformed, len(b), HeaderLen)
	}
	var h Header
	copy(h.ID[:], b[:16])
	h.Type = Type(b[16])
	h.TTL = b[17]
	h.Hops = b[18]
	h.Length = binary.LittleEndian.Uint32(b[19:23])
	if int(h.TTL)+int(h.Hops) > 255 {
		return Header{}, ErrHopsOverflow
	}
	return h, nil
}

// AppendHeader appends the 23 bytes of h to dst.
func AppendHeader(dst []byte, h Header) []byte {
	dst = append(dst, h.ID[:]...)
	dst = append(dst, byte(h.Type), h.TTL, h.Hops)
	return binary.LittleEndian.AppendUint32(dst, h.Length)
}

// Clamp returns h with its TTL reduced so that TTL + hops is at most
// maxTTL, as servents do to messages sent with an abusive TTL. It reports
// whether it changed anything.
func (h Header) Clamp(maxTTL uint8) (Header, bool) {
	if int(h.TTL)+int(h.Hops) <= int(maxTTL) {
		return h, false
	}
	if h.Hops >= maxTTL {
		h.TTL = 0
	} else {
		h.TTL = maxTTL - h.Hops
	}
	return h, true
}
