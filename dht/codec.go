package dht

import (
	"encoding/binary"
	"fmt"

	"github.com/networkutopia/p2p/transport"
)

// NewCodec returns the codec a [transport.Host] needs to carry the DHT's
// messages: length-prefixed frames of at most 8 MiB, each one message in
// the package's binary format. [Node] uses it; pass it to
// transport.HostConfig.Codec to run a [Peer] on a Host of your own.
func NewCodec() transport.NewCodec {
	c := &transport.FrameCodec{MaxSize: maxFrame, Marshal: marshal, Unmarshal: unmarshal}
	return c.New
}

// marshal encodes a message.
func marshal(tm transport.Message) ([]byte, error) {
	m, ok := tm.(*message)
	if !ok {
		return nil, fmt.Errorf("%w: cannot encode %T", ErrBadMessage, tm)
	}
	if len(m.Nodes) > maxListLen || len(m.Extra) > maxListLen || len(m.Items) > maxItems {
		return nil, fmt.Errorf("%w: %s has too many entries", ErrBadMessage, m.Kind)
	}
	b := make([]byte, 0, m.Size())
	b = append(b, byte(m.Kind), m.Flags)
	b = binary.BigEndian.AppendUint64(b, m.Req)
	b = binary.BigEndian.AppendUint64(b, m.Lookup)
	b = append(b, m.Target[:]...)
	b = binary.BigEndian.AppendUint16(b, m.Hops)
	var err error
	if b, err = appendNode(b, m.From); err != nil {
		return nil, err
	}
	if b, err = appendNode(b, m.Node); err != nil {
		return nil, err
	}
	if b, err = appendNode(b, m.Claimant); err != nil {
		return nil, err
	}
	for _, l := range [2][]NodeInfo{m.Nodes, m.Extra} {
		b = binary.BigEndian.AppendUint16(b, uint16(len(l)))
		for _, n := range l {
			if b, err = appendNode(b, n); err != nil {
				return nil, err
			}
		}
	}
	b = binary.BigEndian.AppendUint16(b, uint16(len(m.Items)))
	for _, it := range m.Items {
		if len(it.Name) > maxNameLen {
			return nil, fmt.Errorf("%w: key of %d bytes, limit %d", ErrBadMessage, len(it.Name), maxNameLen)
		}
		b = append(b, it.Key[:]...)
		b = binary.BigEndian.AppendUint16(b, uint16(len(it.Name)))
		b = append(b, it.Name...)
		b = binary.BigEndian.AppendUint64(b, it.Version)
		del := byte(0)
		if it.Deleted {
			del = 1
		}
		b = append(b, del)
		b = binary.BigEndian.AppendUint32(b, uint32(len(it.Value)))
		b = append(b, it.Value...)
	}
	if len(b) > maxFrame {
		return nil, fmt.Errorf("%w: %s of %d bytes exceeds %d", ErrBadMessage, m.Kind, len(b), maxFrame)
	}
	return b, nil
}

func appendNode(b []byte, n NodeInfo) ([]byte, error) {
	if len(n.Addr) > maxAddrLen {
		return nil, fmt.Errorf("%w: address of %d bytes, limit %d", ErrBadMessage, len(n.Addr), maxAddrLen)
	}
	b = append(b, n.ID[:]...)
	b = binary.BigEndian.AppendUint16(b, uint16(len(n.Addr)))
	return append(b, n.Addr...), nil
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

func (r *reader) u8(what string) uint8 {
	if b := r.take(1, what); b != nil {
		return b[0]
	}
	return 0
}

func (r *reader) u16(what string) uint16 {
	if b := r.take(2, what); b != nil {
		return binary.BigEndian.Uint16(b)
	}
	return 0
}

func (r *reader) u32(what string) uint32 {
	if b := r.take(4, what); b != nil {
		return binary.BigEndian.Uint32(b)
	}
	return 0
}

func (r *reader) u64(what string) uint64 {
	if b := r.take(8, what); b != nil {
		return binary.BigEndian.Uint64(b)
	}
	return 0
}

func (r *reader) id(what string) (id ID) {
	copy(id[:], r.take(IDLen, what))
	return id
}

func (r *reader) node(what string) NodeInfo {
	id := r.id(what)
	n := int(r.u16(what))
	if n > maxAddrLen {
		r.fail(what + " address")
		return NodeInfo{}
	}
	return NodeInfo{ID: id, Addr: transport.Addr(r.take(n, what))}
}

func (r *reader) nodes(what string) []NodeInfo {
	n := int(r.u16(what))
	if n > maxListLen || n*nodeWireLen > len(r.b) {
		r.fail(what)
		return nil
	}
	if n == 0 {
		return nil
	}
	out := make([]NodeInfo, 0, n)
	for range n {
		out = append(out, r.node(what))
	}
	return out
}

// unmarshal decodes one message; any malformation is an ErrBadMessage.
func unmarshal(b []byte) (transport.Message, error) {
	if len(b) > maxFrame {
		return nil, fmt.Errorf("%w: %d bytes exceed %d", ErrBadMessage, len(b), maxFrame)
	}
	r := &reader{b: b}
	m := &message{}
	m.Kind = kind(r.u8("kind"))
	m.Flags = r.u8("flags")
	m.Req = r.u64("request id")
	m.Lookup = r.u64("lookup id")
	m.Target = r.id("target")
	m.Hops = r.u16("hops")
	m.From = r.node("sender")
	m.Node = r.node("node")
	m.Claimant = r.node("claimant")
	m.Nodes = r.nodes("successor list")
	m.Extra = r.nodes("node list")
	n := int(r.u16("item count"))
	if n > maxItems || n*itemWireLen > len(r.b) {
		r.fail("item count")
	}
	if r.err == nil && n > 0 {
		m.Items = make([]Item, 0, n)
		for range n {
			var it Item
			it.Key = r.id("item key")
			nl := int(r.u16("item name"))
			if nl > maxNameLen {
				r.fail("item name")
			}
			it.Name = r.take(nl, "item name")
			it.Version = r.u64("item version")
			switch r.u8("item flag") {
			case 0:
			case 1:
				it.Deleted = true
			default:
				r.fail("item flag")
			}
			it.Value = r.take(int(r.u32("item value")), "item value")
			if r.err != nil {
				break
			}
			m.Items = append(m.Items, it)
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
