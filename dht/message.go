package dht

import (
	"fmt"

	"github.com/networkutopia/p2p/transport"
)

// NodeInfo names a node: its place on the circle and where to reach it.
type NodeInfo struct {
	// ID is the node's place on the circle.
	ID ID
	// Addr is where it listens.
	Addr transport.Addr
}

// IsZero reports whether n names no node (an unknown predecessor).
func (n NodeInfo) IsZero() bool { return n.Addr == "" }

// String returns "ID@Addr" with the short form of the ID.
func (n NodeInfo) String() string {
	if n.IsZero() {
		return "none"
	}
	return n.ID.Short() + "@" + string(n.Addr)
}

// Item is one stored key with its value. Versions order the writes of a
// key: a replica keeps the highest version it has seen, so a stale replica
// never wins over a newer write. A deletion is an item with Deleted set
// (a tombstone), so that it too wins over older values.
type Item struct {
	// Key is the key's ID (the hash of Name).
	Key ID
	// Name is the key as the user gave it.
	Name []byte
	// Value is the value; nil for a deletion.
	Value []byte
	// Version orders writes; higher wins.
	Version uint64
	// Deleted marks a tombstone.
	Deleted bool
}

// kind says what a message is.
type kind uint8

const (
	kindFind       kind = iota + 1 // where is Target? (one iterative step)
	kindFindReply                  // owner, or next hop
	kindRoute                      // recursive lookup, forwarded
	kindRouteDone                  // recursive lookup's answer to its origin
	kindState                      // stabilize: your predecessor and successors? (and notify)
	kindStateReply                 // predecessor, successors, fingers
	kindPing                       // are you alive?
	kindNewSucc                    // I joined: I am your new successor
	kindLeave                      // I am leaving: here are my neighbours
	kindStore                      // store these items (put, replica, hand-off)
	kindGet                        // send me the item of Target
	kindReply                      // generic reply: ack, pong, store and get replies
	kindHint                       // Node lies between you and your successor: check it
	kindMax
)

var kindNames = [...]string{"?", "find", "find-reply", "route", "route-done", "state", "state-reply", "ping", "new-succ", "leave", "store", "get", "reply", "hint"}

func (k kind) String() string {
	if k >= kindMax {
		return fmt.Sprintf("kind(%d)", uint8(k))
	}
	return kindNames[k]
}

// Flags of a message.
const (
	flagOwner       = 1 << iota // find-reply/route-done: Node owns Target
	flagNotify                  // state: From may be the receiver's predecessor
	flagWantFingers             // state: send your fingers too
	flagReplica                 // store: items carry their versions (replication, hand-off)
	flagFailed                  // route-done: the lookup failed
	flagWantItem                // find/route: the owner should send Target's item along
	flagMember                  // state-reply: the sender has joined the ring
	flagAll         = 1<<iota - 1
)

// Limits of the wire format; the decoder checks them before allocating.
const (
	maxAddrLen  = 512
	maxNameLen  = 1024
	maxListLen  = 256
	maxItems    = 4096
	maxFrame    = 8 << 20
	nodeWireLen = IDLen + 2 // plus the address
)

// message is every message of the protocol: one struct, with the fields
// each kind uses (documented at the kinds).
type message struct {
	Kind   kind
	Flags  uint8
	Req    uint64 // request ID of a call and its reply
	Lookup uint64 // recursive lookup ID
	Target ID
	Hops   uint16
	From   NodeInfo // the sender (its listening address)
	Node   NodeInfo // owner, next hop or predecessor
	// Claimant, in find and route, is the node that believes the receiver
	// owns Target; in a find reply, the one the next hop should check.
	Claimant NodeInfo
	Nodes    []NodeInfo // successor list
	Extra    []NodeInfo // fingers, or the path of a recursive lookup
	Items    []Item
}

// Size is the encoded length, so the simulator charges what the wire would.
func (m *message) Size() int {
	n := 1 + 1 + 8 + 8 + IDLen + 2 + 3*nodeWireLen + len(m.From.Addr) + len(m.Node.Addr) + len(m.Claimant.Addr) + 2 + 2 + 2
	for _, l := range [2][]NodeInfo{m.Nodes, m.Extra} {
		for _, x := range l {
			n += nodeWireLen + len(x.Addr)
		}
	}
	for _, it := range m.Items {
		n += itemWireLen + len(it.Name) + len(it.Value)
	}
	return n
}

// itemWireLen is an item's fixed part: key, name length, version, flag,
// value length.
const itemWireLen = IDLen + 2 + 8 + 1 + 4

func (m *message) String() string {
	return fmt.Sprintf("%s req=%d target=%s from=%s node=%s nodes=%d items=%d", m.Kind, m.Req, m.Target.Short(), m.From, m.Node, len(m.Nodes), len(m.Items))
}
