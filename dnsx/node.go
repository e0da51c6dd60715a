package dnsx

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"hash/maphash"
	"io"

	"github.com/networkutopia/p2p/transport"
)

// This file puts DNS on the node model (package transport): its codecs,
// and the authoritative server as a transport.Handler, so that the same
// server runs in the simulator and on a transport.Host.

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
	if len(b) < headerLen {
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
	return writeTCPMsg(w, b)
}

// Decode reads one length-prefixed message.
func (StreamCodec) Decode(r *bufio.Reader) (transport.Message, error) {
	var l [2]byte
	if _, err := io.ReadFull(r, l[:]); err != nil {
		return nil, err
	}
	n := int(binary.BigEndian.Uint16(l[:]))
	if n < headerLen {
		return nil, fmt.Errorf("%w: %d-byte TCP message", ErrFormat, n)
	}
	b, err := transport.ReadFull(r, n)
	if err != nil {
		return nil, err
	}
	return transport.Bytes(b), nil
}

// NewHandler returns the server as a node of the node model: each query
// (transport.Bytes) it receives is answered with Env.Send to its sender,
// from the same zones as Start serves. Datagrams (Conn.ID 0) are treated
// as UDP (truncation, rate limiting by the sender's address and the
// node's clock); messages on connections as TCP.
func (s *Server) NewHandler() transport.NewHandler {
	return func(env transport.Env) transport.Handler {
		return &serverNode{s: s, env: env}
	}
}

// serverNode is the server on one node.
type serverNode struct {
	s   *Server
	env transport.Env
	out []byte
}

// Receive answers one query.
func (n *serverNode) Receive(c transport.Conn, m transport.Message) {
	b, ok := m.(transport.Bytes)
	if !ok {
		mm, isMsg := m.(*Msg)
		if !isMsg {
			return
		}
		var err error
		if b, err = mm.Pack(); err != nil {
			return
		}
	}
	tcp := c.ID != 0
	client, isIP := clientAddr(string(c.Peer))
	var key uint64
	if n.s.rrl != nil && !tcp {
		if isIP {
			key = n.s.rrl.clientKey(client)
		} else {
			key = maphash.String(n.s.rrl.seed, string(c.Peer))
		}
	}
	resp, xfr := n.s.respond(&n.s.stats, b, key, client, tcp, n.env.Now().Unix(), n.out[:0])
	if xfr != nil {
		// Zone transfers are served by Start's TCP server only.
		n.s.stats.refused.Add(1)
		resp = n.s.sent(&n.s.stats, writeBare(n.out[:0], b, xfr, RcodeRefused, 0, 0))
	}
	if resp == nil {
		return
	}
	n.out = resp
	n.env.Send(c.Peer, transport.Bytes(append([]byte(nil), resp...))) //nolint:errcheck // like UDP, best effort
}
