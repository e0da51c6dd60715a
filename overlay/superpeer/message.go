package superpeer

import (
	"github.com/networkutopia/p2p/overlay"
	"github.com/networkutopia/p2p/overlay/internal/enc"
	"github.com/networkutopia/p2p/transport"
)

// Message kinds on the wire (the first byte of a frame).
const (
	kindPublish = 1
	kindQuery   = 2
	kindHits    = 3
)

// Publish is sent by an ordinary peer to its group leader: the address it
// serves downloads at and the files it adds to the leader's index, each as
// content hash and descriptor (name, size; no data). A peer's files leave
// the index when its connection to the leader closes.
type Publish struct {
	Addr  transport.Addr
	Files []overlay.File
}

// Query is a keyword search: from a peer to its leader, then among
// leaders with a TTL. ID identifies it for duplicate suppression and
// reverse routing.
type Query struct {
	ID       uint64
	Criteria string
	TTL      uint8
	Hops     uint8
}

// Hits answers a Query; it travels back along the Query's path.
type Hits struct {
	ID      uint64
	Results []overlay.Result
}

// Size implements transport.Message: the encoded length, so the simulator
// charges what the wire would carry.
func (m *Publish) Size() int { return 1 + enc.StringLen(string(m.Addr)) + enc.FilesLen(m.Files) }

// Size implements transport.Message: the encoded length.
func (m *Query) Size() int { return 1 + enc.UintLen(m.ID) + enc.StringLen(m.Criteria) + 2 }

// Size implements transport.Message: the encoded length.
func (m *Hits) Size() int { return 1 + enc.UintLen(m.ID) + enc.ResultsLen(m.Results) }

// protocol is the super-peer wire format: a kind byte, then the message's
// fields in order (write and read).
var protocol = enc.Protocol{Name: "superpeer", Write: write, Read: read}

// write appends m; it reports false for a type of another protocol.
func write(w *enc.Writer, m transport.Message) bool {
	switch x := m.(type) {
	case *Publish:
		w.Byte(kindPublish)
		w.String(string(x.Addr))
		w.Files(x.Files)
	case *Query:
		w.Byte(kindQuery)
		w.Uint(x.ID)
		w.String(x.Criteria)
		w.Byte(x.TTL)
		w.Byte(x.Hops)
	case *Hits:
		w.Byte(kindHits)
		w.Uint(x.ID)
		w.Results(x.Results)
	default:
		return false
	}
	return true
}

// read reads one message; nil for an unknown kind.
func read(r *enc.Reader) transport.Message {
	switch r.Byte() {
	case kindPublish:
		return &Publish{Addr: transport.Addr(r.String()), Files: r.Files()}
	case kindQuery:
		return &Query{ID: r.Uint(), Criteria: r.String(), TTL: r.Byte(), Hops: r.Byte()}
	case kindHits:
		return &Hits{ID: r.Uint(), Results: r.Results()}
	}
	return nil
}

// Marshal encodes a super-peer message.
func Marshal(m transport.Message) ([]byte, error) { return protocol.Marshal(m) }

// Unmarshal decodes a super-peer message.
func Unmarshal(b []byte) (transport.Message, error) { return protocol.Unmarshal(b) }

// NewCodec returns the codec of the super-peer protocol: length-prefixed
// frames of at most 1 MiB.
func NewCodec() transport.NewCodec { return enc.Codec(Marshal, Unmarshal).New }
