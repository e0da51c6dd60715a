package dnsx

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/networkutopia/p2p/dnsx/internal/wire"
	"github.com/networkutopia/p2p/transport"
)

// This file puts DNS messages on the node model (package transport): the
// codecs of datagrams and of TCP streams.

// PacketCodec is DNS's transport.PacketCodec: a datagram is one message.
// It carries messages as transport.Bytes in wire form, and also packs a
// *Msg. The zero value is ready to use.
type PacketCodec struct{}

// MarshalPacket returns the wire form of m (transport.Bytes or *Msg).
func (PacketCodec) MarshalPacket(m transport.Message) ([]byte, error) {
	switch v := m.(type) {
	case transport.Bytes:
		return v, nil
	case *Msg:
		return v.Pack()
	}
	return nil, fmt.Errorf("%w: cannot send a %T as DNS", ErrFormat, m)
}

// UnmarshalPacket returns b as transport.Bytes, refusing what is too short
// to be a message.
func (PacketCodec) UnmarshalPacket(b []byte) (transport.Message, error) {
	if len(b) < wire.HeaderLen {
		return nil, fmt.Errorf("%w: %d-byte datagram", ErrFormat, len(b))
	}
	return transport.Bytes(b), nil
}

// StreamCodec is DNS over TCP as a transport.Codec: each message is
// preceded by its 2-byte length (RFC 1035 section 4.2.2). Messages are
// transport.Bytes; *Msg is packed.
type StreamCodec struct{}

// NewStreamCodec returns a StreamCodec as a transport.NewCodec.
func NewStreamCodec() transport.Codec { return StreamCodec{} }

// Handshake does nothing: DNS has none.
func (StreamCodec) Handshake(*bufio.ReadWriter, bool) error { return nil }

// Encode writes one length-prefixed message.
func (StreamCodec) Encode(w *bufio.Writer, m transport.Message) error {
	b, err := PacketCodec{}.MarshalPacket(m)
	if err != nil {
		return err
	}
	return wire.WriteTCP(w, b)
}

// Decode reads one length-prefixed message.
func (StreamCodec) Decode(r *bufio.Reader) (transport.Message, error) {
	var l [2]byte
	if _, err := io.ReadFull(r, l[:]); err != nil {
		return nil, err
	}
	n := int(binary.BigEndian.Uint16(l[:]))
	if n < wire.HeaderLen {
		return nil, fmt.Errorf("%w: %d-byte TCP message", ErrFormat, n)
	}
	b, err := transport.ReadFull(r, n)
	if err != nil {
		return nil, err
	}
	return transport.Bytes(b), nil
}
