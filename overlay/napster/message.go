package napster

import (
	"fmt"

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
func (m *Register) Size() int { return len(marshal(m)) }

// Size implements transport.Message with the encoded length.
func (m *Search) Size() int { return 1 + enc.UintLen(m.ID) + enc.StringLen(m.Criteria) }

// Size implements transport.Message with the encoded length.
func (m *Found) Size() int { return len(marshal(m)) }

func marshal(m transport.Message) []byte {
	var w enc.Writer
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
		return nil
	}
	return w.B
}

// Marshal encodes a Napster message.
func Marshal(m transport.Message) ([]byte, error) {
	b := marshal(m)
	if b == nil {
		return nil, fmt.Errorf("napster: cannot encode %T", m)
	}
	return b, nil
}

// Unmarshal decodes a Napster message.
func Unmarshal(b []byte) (transport.Message, error) {
	r := enc.Reader{B: b}
	var m transport.Message
	switch r.Byte() {
	case kindRegister:
		m = &Register{Addr: transport.Addr(r.String()), Files: r.Files()}
	case kindSearch:
		m = &Search{ID: r.Uint(), Criteria: r.String()}
	case kindFound:
		m = &Found{ID: r.Uint(), Results: r.Results()}
	default:
		return nil, fmt.Errorf("%w: unknown kind", enc.ErrMalformed)
	}
	if err := r.Done(); err != nil {
		return nil, err
	}
	return m, nil
}

// NewCodec returns the codec of the Napster protocol: length-prefixed
// frames of at most 1 MiB.
func NewCodec() transport.NewCodec { return enc.Codec(Marshal, Unmarshal).New }
