package kademlia

import (
	"fmt"

	"github.com/networkutopia/p2p/transport"
)

// kind says what a message is.
type kind uint8

const (
	kindPing  kind = iota + 1 // are you alive?
	kindFind                  // the K nodes you know closest to Target (and its values, with flagValues)
	kindStore                 // store Values[0] under Target, with Token, for TTL seconds
	kindReply                 // answer to any request: Nodes, Token, Values; flagRefused for a refused store
	kindMax
)

var kindNames = [...]string{"?", "ping", "find", "store", "reply"}

func (k kind) String() string {
	if k >= kindMax {
		return fmt.Sprintf("kind(%d)", uint8(k))
	}
	return kindNames[k]
}

// Flags of a message.
const (
	flagValues  = 1 << iota // find: send Target's values too
	flagRefused             // reply to store: not stored
	flagAll     = 1<<iota - 1
)

// Limits of the wire format; the decoder checks them before allocating.
const (
	maxAddrLen   = 256
	maxNodes     = 64       // contacts in a reply, so K <= 64
	maxValues    = 256      // values in a reply
	maxValueLen  = 64 << 10 // one value
	maxTokenLen  = 32
	maxFrame     = 1 << 20
	tokenLen     = 8
	nodeWireLen  = IDLen + 2 // plus the address
	valueWireLen = 4         // plus the bytes
	headerLen    = 1 + 1 + 8 + IDLen + 2 + IDLen + 4 + 1 + 2 + 2
)

// message is every message of the protocol: one struct with the fields
// each kind uses.
type message struct {
	Kind  kind
	Flags uint8
	Req   uint64 // request ID of a call and its reply
	// From is the sender's ID and Listen the address it says it listens
	// on (requests only). Neither is trusted: a node enters a routing
	// table only after it answered a request sent to that address.
	From   ID
	Listen transport.Addr
	Target ID
	TTL    uint32 // store: seconds the value should live
	Token  []byte // reply to find: a write token; store: that token
	Nodes  []Contact
	Values [][]byte
}

// Size is the encoded length, so the simulator charges what the wire would.
func (m *message) Size() int {
	n := headerLen + len(m.Listen) + len(m.Token)
	for _, c := range m.Nodes {
		n += nodeWireLen + len(c.Addr)
	}
	for _, v := range m.Values {
		n += valueWireLen + len(v)
	}
	return n
}

func (m *message) String() string {
	return fmt.Sprintf("%s req=%d from=%s target=%s nodes=%d values=%d", m.Kind, m.Req, m.From.Short(), m.Target.Short(), len(m.Nodes), len(m.Values))
}
