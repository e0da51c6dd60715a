package kademlia

import (
	"encoding/binary"
	"fmt"

	"github.com/networkutopia/p2p/transport"
)

// NewCodec returns the codec a [transport.Host] needs to carry the
// protocol's messages: length-prefixed frames of at most 1 MiB, each one
// message in the package's binary format. [Node] uses it; pass it to
// transport.HostConfig.Codec to run a [Peer] on a Host of your own.
func NewCodec() transport.NewCodec {
	c := &transport.FrameCodec{MaxSize: maxFrame, Marshal: marshal, Unmarshal: unmarshal}
	return c.New
}

// marshal encodes a message:
//
//	kind u8, flags u8, req u64, from [20], listen (u16 length, bytes),
//	target [20], ttl u32, token (u8 length, bytes),
//	nodes (u16 count, each [20] id, u16 length, address),
//	values (u16 count, each u32 length, bytes)
func marshal(tm transport.Message) ([]byte, error) {
	m, ok := tm.(*message)
	if !ok {
		return nil, fmt.Errorf("%w: cannot encode %T", ErrBadMessage, tm)
	}
	switch {
	case len(m.Nodes) > maxNodes || len(m.Values) > maxValues:
		return nil, fmt.Errorf("%w: %s has too many entries", ErrBadMessage, m.Kind)
	case len(m.Token) > maxTokenLen:
		return nil, fmt.Errorf("%w: token of %d bytes", ErrBadMessage, len(m.Token))
	case len(m.Listen) > maxAddrLen:
		return nil, fmt.Errorf("%w: address of %d bytes", ErrBadMessage, len(m.Listen))
	case m.Size() > maxFrame:
		return nil, fmt.Errorf("%w: %s of %d bytes exceeds %d", ErrBadMessage, m.Kind, m.Size(), maxFrame)
	}
	b := make([]byte, 0, m.Size())
	b = append(b, byte(m.Kind), m.Flags)
	b = binary.BigEndian.AppendUint64(b, m.Req)
	b = append(b, m.From[:]...)
	b = binary.BigEndian.AppendUint16(b, uint16(len(m.Listen)))
	b = append(b, m.Listen...)
	b = append(b, m.Target[:]...)
	b = binary.BigEndian.AppendUint32(b, m.TTL)
	b = append(b, byte(len(m.Token)))
	b = append(b, m.Token...)
	b = binary.BigEndian.AppendUint16(b, uint16(len(m.Nodes)))
	for _, c := range m.Nodes {
		if len(c.Addr) > maxAddrLen {
			return nil, fmt.Errorf("%w: address of %d bytes", ErrBadMessage, len(c.Addr))
		}
		b = append(b, c.ID[:]...)
		b = binary.BigEndian.AppendUint16(b, uint16(len(c.Addr)))
		b = append(b, c.Addr...)
	}
	b = binary.BigEndian.AppendUint16(b, uint16(len(m.Values)))
	for _, v := range m.Values {
		if len(v) > maxValueLen {
			return nil, fmt.Errorf("%w: value of %d bytes", ErrBadMessage, len(v))
		}
		b = binary.BigEndian.AppendUint32(b, uint32(len(v)))
		b = append(b, v...)
	}
	return b, nil
}

// reader decodes a payload, remembering the first error.
type reader struct {
	b   []byte
	err error
}

func (r *reader) fail(what string) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: truncated or malformed %s", ErrBadMessage, what)
	}
	r.b = nil
}

func (r *reader) take(n int, what string) []byte {
	if r.err != nil || n < 0 || n > len(r.b) {
		r.fail(what)
		return nil
	}
	out := r.b[:n:n]
	r.b = r.b[n:]
	return out
}

func (r *reader) uint(n int, what string) uint64 {
	b := r.take(n, what)
	var v uint64
	for _, x := range b {
		v = v<<8 | uint64(x)
	}
	return v
}

func (r *reader) id(what string) (id ID) {
	copy(id[:], r.take(IDLen, what))
	return id
}

func (r *reader) addr(what string) transport.Addr {
	n := int(r.uint(2, what))
	if n > maxAddrLen {
		r.fail(what)
		return ""
	}
	return transport.Addr(r.take(n, what))
}

// unmarshal decodes one message; any malformation is an ErrBadMessage.
// Counts are checked against the bytes left before anything is allocated.
func unmarshal(b []byte) (transport.Message, error) {
	if len(b) > maxFrame {
		return nil, fmt.Errorf("%w: %d bytes exceed %d", ErrBadMessage, len(b), maxFrame)
	}
	r := &reader{b: b}
	m := &message{}
	m.Kind = kind(r.uint(1, "kind"))
	m.Flags = uint8(r.uint(1, "flags"))
	m.Req = r.uint(8, "request id")
	m.From = r.id("sender id")
	m.Listen = r.addr("listen address")
	m.Target = r.id("target")
	m.TTL = uint32(r.uint(4, "ttl"))
	if n := int(r.uint(1, "token")); n > maxTokenLen {
		r.fail("token")
	} else if n > 0 {
		m.Token = r.take(n, "token")
	}
	if n := int(r.uint(2, "node count")); n > maxNodes || n*nodeWireLen > len(r.b) {
		r.fail("node count")
	} else if n > 0 {
		m.Nodes = make([]Contact, 0, n)
		for range n {
			c := Contact{ID: r.id("node id")}
			c.Addr = r.addr("node address")
			m.Nodes = append(m.Nodes, c)
		}
	}
	if n := int(r.uint(2, "value count")); n > maxValues || n*valueWireLen > len(r.b) {
		r.fail("value count")
	} else if n > 0 {
		m.Values = make([][]byte, 0, n)
		for range n {
			l := int(r.uint(4, "value length"))
			if l > maxValueLen {
				r.fail("value length")
			}
			m.Values = append(m.Values, r.take(l, "value"))
		}
	}
	switch {
	case r.err != nil:
		return nil, r.err
	case len(r.b) != 0:
		return nil, fmt.Errorf("%w: %d trailing bytes", ErrBadMessage, len(r.b))
	case m.Kind == 0 || m.Kind >= kindMax:
		return nil, fmt.Errorf("%w: unknown kind %d", ErrBadMessage, m.Kind)
	case m.Flags&^flagAll != 0:
		return nil, fmt.Errorf("%w: unknown flags %#x", ErrBadMessage, m.Flags)
	}
	return m, nil
}
