package napster

import (
	"github.com/networkutopia/p2p/overlay"
	"github.com/networkutopia/p2p/overlay/internal/enc"
	"github.com/networkutopia/p2p/transport"
)

const (
	kindRegister = 1
	kindSearch   = 2
	kindFound    = 3
)

// Register tells the directory which files a peer shares and where it
// serves them. It replaces the peer's previous registration, and must be
// repeated before the registration times out.
type Register struct {
	Addr  transport.Addr
	Files []overlay.File
}

// Search asks the directory who holds files matching Criteria.
type Search struct {
	ID       uint64
	Criteria string
}

// Found answers a Search.
type Found struct {
	ID      uint64
	Results []overlay.Result
}

// Size implements transport.Message with the encoded length.
func (m *Register) Size() int { return 1 + enc.StringLen(string(m.Addr)) + enc.FilesLen(m.Files) }

// Size implements transport.Message with the encoded length.
func (m *Search) Size() int { return 1 + enc.UintLen(m.ID) + enc.StringLen(m.Criteria) }

// Size implements transport.Message with the encoded length.
func (m *Found) Size() int { return 1 + enc.UintLen(m.ID) + enc.ResultsLen(m.Results) }

// protocol is the Napster wire format: a kind byte, then the message's
// fields in order (write and read).
var protocol = enc.Protocol{Name: "napster", Write: write, Read: read}

// write appends m; it reports false for a type of another protocol.
func write(w *enc.Writer, m transport.Message) bool {
	switch x := m.(type) {
	case *Register:
		w.Byte(kindRegister)
		w.String(string(x.Addr))
		w.Files(x.Files)
	case *Search:
		w.Byte(kindSearch)
		w.Uint(x.ID)
		w.String(x.Criteria)
	case *Found:
		w.Byte(kindFound)
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
	case kindRegister:
		return &Register{Addr: transport.Addr(r.String()), Files: r.Files()}
	case kindSearch:
		return &Search{ID: r.Uint(), Criteria: r.String()}
	case kindFound:
		return &Found{ID: r.Uint(), Results: r.Results()}
	}
	return nil
}

// Marshal encodes a Napster message.
func Marshal(m transport.Message) ([]byte, error) { return protocol.Marshal(m) }

// Unmarshal decodes a Napster message.
func Unmarshal(b []byte) (transport.Message, error) { return protocol.Unmarshal(b) }

// NewCodec returns the codec of the Napster protocol: length-prefixed
// frames of at most 1 MiB.
func NewCodec() transport.NewCodec { return enc.Codec(Marshal, Unmarshal).New }
