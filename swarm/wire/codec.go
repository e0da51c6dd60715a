package wire

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/networkutopia/p2p/swarm/metainfo"
	"github.com/networkutopia/p2p/transport"
)

// DefaultMaxMessage is the largest message a codec accepts by default:
// a 128 KiB block with its header, or the bitfield of a torrent with a
// million pieces.
const DefaultMaxMessage = MaxBlockSize + 13

// CodecConfig configures the codec of one torrent.
type CodecConfig struct {
	// InfoHash is the torrent both ends must name.
	InfoHash metainfo.Hash
	// PeerID is ours, sent in the handshake.
	PeerID PeerID
	// MaxMessage bounds a message's length; longer ones fail before any
	// allocation. Default DefaultMaxMessage.
	MaxMessage int
	// Reserved are the extension bits of our handshake (ReservedDHT...).
	Reserved [8]byte
}

// NewCodec returns the transport.NewCodec of a torrent: each connection
// exchanges handshakes, refuses a peer on another torrent, and then frames
// messages as BEP 3 says. The peer's handshake is the first message Decode
// returns, so the node learns the peer's id like any other message; a
// Handshake given to Encode writes nothing, since it was already sent.
func NewCodec(cfg CodecConfig) transport.NewCodec {
	if cfg.MaxMessage <= 0 {
		cfg.MaxMessage = DefaultMaxMessage
	}
	return func() transport.Codec { return &codec{cfg: cfg} }
}

type codec struct {
	cfg    CodecConfig
	remote *Handshake // returned by the first Decode
}

// Handshake exchanges handshakes. The dialler writes first; the
// listener reads the dialler's, checks the info-hash and only then answers,
// as BEP 3 allows, so a peer on another torrent learns nothing.
func (c *codec) Handshake(rw *bufio.ReadWriter, inbound bool) error {
	if !inbound {
		if err := c.writeHandshake(rw); err != nil {
			return err
		}
	}
	var buf [HandshakeLen]byte
	if _, err := io.ReadFull(rw, buf[:]); err != nil {
		return fmt.Errorf("%w: reading handshake: %v", transport.ErrHandshake, err)
	}
	h, err := ParseHandshake(buf[:])
	if err != nil {
		return fmt.Errorf("%w: %w", transport.ErrHandshake, err)
	}
	if h.InfoHash != c.cfg.InfoHash {
		return fmt.Errorf("%w: %w: %s", transport.ErrHandshake, ErrWrongTorrent, h.InfoHash)
	}
	if inbound {
		if err := c.writeHandshake(rw); err != nil {
			return err
		}
	}
	c.remote = &h
	return nil
}

func (c *codec) writeHandshake(rw *bufio.ReadWriter) error {
	if _, err := rw.Write(AppendHandshake(nil, Handshake{Reserved: c.cfg.Reserved, InfoHash: c.cfg.InfoHash, PeerID: c.cfg.PeerID})); err != nil {
		return err
	}
	return rw.Flush()
}

// AppendHandshake appends the 68-byte handshake h to dst.
func AppendHandshake(dst []byte, h Handshake) []byte {
	dst = append(dst, byte(len(ProtocolName)))
	dst = append(dst, ProtocolName...)
	dst = append(dst, h.Reserved[:]...)
	dst = append(dst, h.InfoHash[:]...)
	return append(dst, h.PeerID[:]...)
}

// ParseHandshake reads a 68-byte handshake.
func ParseHandshake(b []byte) (Handshake, error) {
	var h Handshake
	if len(b) != HandshakeLen || int(b[0]) != len(ProtocolName) || string(b[1:20]) != ProtocolName {
		return h, fmt.Errorf("%w: not a BitTorrent handshake", ErrMalformed)
	}
	copy(h.Reserved[:], b[20:28])
	copy(h.InfoHash[:], b[28:48])
	copy(h.PeerID[:], b[48:68])
	return h, nil
}

func (c *codec) Encode(w *bufio.Writer, m transport.Message) error {
	if _, ok := m.(Handshake); ok {
		return nil // exchanged by Handshake already
	}
	var hdr [17]byte
	b, err := appendHeader(hdr[:0], m)
	if err != nil {
		return err
	}
	if _, err := w.Write(b); err != nil {
		return err
	}
	switch x := m.(type) {
	case Bitfield:
		_, err = w.Write(x.Bits)
	case Piece:
		_, err = w.Write(x.Data)
	}
	return err
}

// Append appends the wire form of m (length prefix included) to dst. It is
// what the codec writes; a Handshake gives its 68 bytes.
func Append(dst []byte, m transport.Message) ([]byte, error) {
	if h, ok := m.(Handshake); ok {
		return AppendHandshake(dst, h), nil
	}
	dst, err := appendHeader(dst, m)
	if err != nil {
		return nil, err
	}
	switch x := m.(type) {
	case Bitfield:
		dst = append(dst, x.Bits...)
	case Piece:
		dst = append(dst, x.Data...)
	}
	return dst, nil
}

// appendHeader appends everything but a Bitfield's bits and a Piece's data.
func appendHeader(dst []byte, m transport.Message) ([]byte, error) {
	u32 := binary.BigEndian.AppendUint32
	simple := func(id byte) []byte { return append(u32(dst, 1), id) }
	switch x := m.(type) {
	case KeepAlive:
		return u32(dst, 0), nil
	case Choke:
		return simple(IDChoke), nil
	case Unchoke:
		return simple(IDUnchoke), nil
	case Interested:
		return simple(IDInterested), nil
	case NotInterested:
		return simple(IDNotInterested), nil
	case Have:
		return u32(append(u32(dst, 5), IDHave), x.Index), nil
	case Bitfield:
		return append(u32(dst, uint32(1+len(x.Bits))), IDBitfield), nil
	case Request:
		return u32(u32(u32(append(u32(dst, 13), IDRequest), x.Index), x.Begin), x.Length), nil
	case Cancel:
		return u32(u32(u32(append(u32(dst, 13), IDCancel), x.Index), x.Begin), x.Length), nil
	case Piece:
		return u32(u32(append(u32(dst, uint32(9+len(x.Data))), IDPiece), x.Index), x.Begin), nil
	case Port:
		return binary.BigEndian.AppendUint16(append(u32(dst, 3), IDPort), x.Port), nil
	}
	return nil, fmt.Errorf("wire: cannot encode %T", m)
}

func (c *codec) Decode(r *bufio.Reader) (transport.Message, error) {
	if c.remote != nil {
		h := *c.remote
		c.remote = nil
		return h, nil
	}
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if n == 0 {
		return KeepAlive{}, nil
	}
	if int64(n) > int64(c.cfg.MaxMessage) {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", transport.ErrFrameTooLarge, n, c.cfg.MaxMessage)
	}
	b, err := transport.ReadFull(r, int(n))
	if err != nil {
		return nil, err
	}
	return Parse(b)
}

// Parse decodes one message's payload: the id byte and what follows, the
// length prefix already removed. Piece and Bitfield keep pointing into b.
func Parse(b []byte) (transport.Message, error) {
	if len(b) == 0 {
		return KeepAlive{}, nil
	}
	id, p := b[0], b[1:]
	want := func(n int) error {
		if len(p) != n {
			return fmt.Errorf("%w: id %d with %d payload bytes, want %d", ErrMalformed, id, len(p), n)
		}
		return nil
	}
	u32 := func(i int) uint32 { return binary.BigEndian.Uint32(p[4*i:]) }
	switch id {
	case IDChoke, IDUnchoke, IDInterested, IDNotInterested:
		if err := want(0); err != nil {
			return nil, err
		}
		return [...]transport.Message{Choke{}, Unchoke{}, Interested{}, NotInterested{}}[id], nil
	case IDHave:
		if err := want(4); err != nil {
			return nil, err
		}
		return Have{Index: u32(0)}, nil
	case IDBitfield:
		return Bitfield{Bits: p}, nil
	case IDRequest, IDCancel:
		if err := want(12); err != nil {
			return nil, err
		}
		if id == IDRequest {
			return Request{Index: u32(0), Begin: u32(1), Length: u32(2)}, nil
		}
		return Cancel{Index: u32(0), Begin: u32(1), Length: u32(2)}, nil
	case IDPiece:
		if len(p) < 8 {
			return nil, fmt.Errorf("%w: piece message of %d bytes", ErrMalformed, len(p))
		}
		return Piece{Index: u32(0), Begin: u32(1), Data: p[8:]}, nil
	case IDPort:
		if err := want(2); err != nil {
			return nil, err
		}
		return Port{Port: binary.BigEndian.Uint16(p)}, nil
	}
	return Unknown{ID: id, Length: len(p)}, nil
}
