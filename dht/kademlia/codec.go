package kademlia

import (
	"encoding/binary"
	"fmt"

	"github.com/networkutopia/p2p/dht/internal/frame"
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
type reader struct{ frame.Reader }

func (r *reader) id(what string) (id ID) {
	copy(id[:], r.Take(IDLen, what))
	return id
}

func (r *reader) addr(what string) transport.Addr {
	n := int(r.U16(what))
	if n > maxAddrLen {
		r.Fail(what)
		return ""
	}
	return transport.Addr(r.Take(n, what))
}

// unmarshal decodes one message; any malformation is an ErrBadMessage.
// Counts are checked against the bytes left before anything is allocated.
func unmarshal(b []byte) (transport.Message, error) {
	if err := frame.CheckSize(b, maxFrame, ErrBadMessage); err != nil {
		return nil, err
	}
	r := &reader{frame.Reader{B: b, Bad: ErrBadMessage}}
	m := &message{}
	m.Kind = kind(r.U8("kind"))
	m.Flags = r.U8("flags")
	m.Req = r.U64("request id")
	m.From = r.id("sender id")
	m.Listen = r.addr("listen address")
	m.Target = r.id("target")
	m.TTL = r.U32("ttl")
	if n := int(r.U8("token")); n > maxTokenLen {
		r.Fail("token")
	} else if n > 0 {
		m.Token = r.Take(n, "token")
	}
	if n := r.Count(maxNodes, nodeWireLen, "node count"); n > 0 {
		m.Nodes = make([]Contact, 0, n)
		for range n {
			c := Contact{ID: r.id("node id")}
			c.Addr = r.addr("node address")
			m.Nodes = append(m.Nodes, c)
		}
	}
	if n := r.Count(maxValues, valueWireLen, "value count"); n > 0 {
		m.Values = make([][]byte, 0, n)
		for range n {
			l := int(r.U32("value length"))
			if l > maxValueLen {
				r.Fail("value length")
			}
			m.Values = append(m.Values, r.Take(l, "value"))
		}
	}
	if err := r.Finish(uint8(m.Kind), uint8(kindMax), m.Flags, flagAll); err != nil {
		return nil, err
	}
	return m, nil
}
