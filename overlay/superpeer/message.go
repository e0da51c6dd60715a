package superpeer

import (
	"fmt"

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
func (m *Publish) Size() int { return len(marshal(m)) }

// Size implements transport.Message: the encoded length.
func (m *Query) Size() int { return 1 + enc.UintLen(m.ID) + enc.StringLen(m.Criteria) + 2 }

// Size implements transport.Message: the encoded length.
func (m *Hits) Size() int { return len(marshal(m)) }

func writeEntry(w *enc.Writer, e overlay.File) {
	w.Fixed(e.Hash[:])
	w.String(e.Name)
	w.Uint(uint64(e.Size))
}

func readEntry(r *enc.Reader) overlay.File {
	var e overlay.File
	r.Fixed(e.Hash[:])
	e.Name = r.String()
	e.Size = int64(r.Uint() & (1<<63 - 1))
	return e
}

func marshal(m transport.Message) []byte {
	var w enc.Writer
	switch x := m.(type) {
	case *Publish:
		w.Byte(kindPublish)
		w.String(string(x.Addr))
		w.Uint(uint64(len(x.Files)))
		for _, e := range x.Files {
			writeEntry(&w, e)
		}
	case *Query:
		w.Byte(kindQuery)
		w.Uint(x.ID)
		w.String(x.Criteria)
		w.Byte(x.TTL)
		w.Byte(x.Hops)
	case *Hits:
		w.Byte(kindHits)
		w.Uint(x.ID)
		w.Uint(uint64(len(x.Results)))
		for _, res := range x.Results {
			writeEntry(&w, res.File)
			w.Uint(uint64(len(res.Holders)))
			for _, h := range res.Holders {
				w.String(string(h))
			}
		}
	default:
		return nil
	}
	return w.B
}

// Marshal encodes a super-peer message.
func Marshal(m transport.Message) ([]byte, error) {
	b := marshal(m)
	if b == nil {
		return nil, fmt.Errorf("superpeer: cannot encode %T", m)
	}
	return b, nil
}

// Unmarshal decodes a super-peer message.
func Unmarshal(b []byte) (transport.Message, error) {
	r := enc.Reader{B: b}
	var m transport.Message
	switch r.Byte() {
	case kindPublish:
		p := &Publish{Addr: transport.Addr(r.String())}
		n := r.Count(22)
		p.Files = make([]overlay.File, 0, n)
		for range n {
			p.Files = append(p.Files, readEntry(&r))
		}
		m = p
	case kindQuery:
		m = &Query{ID: r.Uint(), Criteria: r.String(), TTL: r.Byte(), Hops: r.Byte()}
	case kindHits:
		h := &Hits{ID: r.Uint()}
		n := r.Count(23)
		h.Results = make([]overlay.Result, 0, n)
		for range n {
			res := overlay.Result{File: readEntry(&r)}
			k := r.Count(1)
			for range k {
				res.Holders = append(res.Holders, transport.Addr(r.String()))
			}
			h.Results = append(h.Results, res)
		}
		m = h
	default:
		return nil, fmt.Errorf("%w: unknown kind", enc.ErrMalformed)
	}
	if err := r.Done(); err != nil {
		return nil, err
	}
	return m, nil
}

// NewCodec returns the codec of the super-peer protocol: length-prefixed
// frames of at most 1 MiB.
func NewCodec() transport.NewCodec { return enc.Codec(Marshal, Unmarshal).New }
