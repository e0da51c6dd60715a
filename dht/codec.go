package dht

import (
	"encoding/binary"
	"fmt"

	"github.com/networkutopia/p2p/dht/internal/frame"
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
type reader struct{ frame.Reader }

func (r *reader) id(what string) (id ID) {
	copy(id[:], r.Take(IDLen, what))
	return id
}

func (r *reader) node(what string) NodeInfo {
	id := r.id(what)
	n := int(r.U16(what))
	if n > maxAddrLen {
		r.Fail(what + " address")
		return NodeInfo{}
	}
	return NodeInfo{ID: id, Addr: transport.Addr(r.Take(n, what))}
}

func (r *reader) nodes(what string) []NodeInfo {
	n := r.Count(maxListLen, nodeWireLen, what)
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
	if err := frame.CheckSize(b, maxFrame, ErrBadMessage); err != nil {
		return nil, err
	}
	r := &reader{frame.Reader{B: b, Bad: ErrBadMessage}}
	m := &message{}
	m.Kind = kind(r.U8("kind"))
	m.Flags = r.U8("flags")
	m.Req = r.U64("request id")
	m.Lookup = r.U64("lookup id")
	m.Target = r.id("target")
	m.Hops = r.U16("hops")
	m.From = r.node("sender")
	m.Node = r.node("node")
	m.Claimant = r.node("claimant")
	m.Nodes = r.nodes("successor list")
	m.Extra = r.nodes("node list")
	if n := r.Count(maxItems, itemWireLen, "item count"); n > 0 {
		m.Items = make([]Item, 0, n)
		for range n {
			var it Item
			it.Key = r.id("item key")
			nl := int(r.U16("item name"))
			if nl > maxNameLen {
				r.Fail("item name")
			}
			it.Name = r.Take(nl, "item name")
			it.Version = r.U64("item version")
			switch r.U8("item flag") {
			case 0:
			case 1:
				it.Deleted = true
			default:
				r.Fail("item flag")
			}
			it.Value = r.Take(int(r.U32("item value")), "item value")
			if r.Err != nil {
				break
			}
			m.Items = append(m.Items, it)
		}
	}
	if err := r.Finish(uint8(m.Kind), uint8(kindMax), m.Flags, flagAll); err != nil {
		return nil, err
	}
	return m, nil
}
