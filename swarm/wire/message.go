package wire

import (
	"crypto/rand"
	"errors"
	"fmt"

	"github.com/networkutopia/p2p/swarm/metainfo"
)

// Protocol constants of BEP 3.
const (
	// ProtocolName is the string a handshake starts with.
	ProtocolName = "BitTorrent protocol"
	// HandshakeLen is the length of a handshake: 1 + 19 + 8 + 20 + 20.
	HandshakeLen = 1 + len(ProtocolName) + 8 + 20 + 20
	// BlockSize is the size of the blocks clients request: 16 KiB.
	BlockSize = 16 << 10
	// MaxBlockSize is the largest request honoured: clients drop peers
	// asking for more than 128 KiB.
	MaxBlockSize = 128 << 10
)

// Message ids after the length prefix.
const (
	IDChoke         = 0
	IDUnchoke       = 1
	IDInterested    = 2
	IDNotInterested = 3
	IDHave          = 4
	IDBitfield      = 5
	IDRequest       = 6
	IDPiece         = 7
	IDCancel        = 8
	IDPort          = 9
)

// Errors returned by the codec, matched with errors.Is.
var (
	// ErrMalformed is returned for a message whose length does not fit its
	// id, or a handshake that is not BitTorrent's.
	ErrMalformed = errors.New("wire: malformed message")
	// ErrWrongTorrent is returned when the peer's handshake names another
	// info-hash.
	ErrWrongTorrent = errors.New("wire: peer is on another torrent")
)

// PeerID is the 20-byte name a client gives itself in the handshake.
type PeerID [20]byte

// NewPeerID returns a random peer id in the Azureus style, "-NU0001-"
// followed by 12 random bytes.
func NewPeerID() PeerID {
	var id PeerID
	copy(id[:], "-NU0001-")
	_, _ = rand.Read(id[8:])
	return id
}

// String returns the id with non-printable bytes escaped.
func (id PeerID) String() string { return fmt.Sprintf("%q", id[:]) }

// Handshake opens a connection: the torrent's info-hash and the sender's
// peer id. On a real connection the codec exchanges it before any other
// message and hands the peer's handshake to the node as its first message;
// in the simulator nodes send it as their first message.
type Handshake struct {
	// Reserved holds the extension bits (see SupportsExtensions and
	// ReservedDHT).
	Reserved [8]byte
	// InfoHash names the torrent.
	InfoHash metainfo.Hash
	// PeerID names the sender.
	PeerID PeerID
}

// KeepAlive is the empty message sent to keep an idle connection open.
type KeepAlive struct{}

// Choke tells the peer we will not answer its requests.
type Choke struct{}

// Unchoke tells the peer we will answer its requests.
type Unchoke struct{}

// Interested tells the peer it has pieces we want.
type Interested struct{}

// NotInterested tells the peer it has nothing we want.
type NotInterested struct{}

// Have announces that the sender now has (verified) piece Index.
type Have struct{ Index uint32 }

// Request asks for Length bytes at offset Begin of piece Index.
type Request struct{ Index, Begin, Length uint32 }

// Cancel withdraws an earlier Request.
type Cancel struct{ Index, Begin, Length uint32 }

// Piece carries a block: Data from offset Begin of piece Index.
type Piece struct {
	Index, Begin uint32
	Data         []byte
}

// ReservedDHT is the handshake's DHT bit (BEP 5): Reserved[7]&ReservedDHT
// says the sender runs a mainline DHT node and takes a Port message.
const ReservedDHT = 0x01

// Port announces the sender's DHT port (BEP 5).
type Port struct{ Port uint16 }

// Unknown is a message with an id this package does not know; its payload
// is discarded.
type Unknown struct {
	ID     byte
	Length int
}

// Size returns the bytes each message takes on the wire.
func (Handshake) Size() int     { return HandshakeLen }
func (KeepAlive) Size() int     { return 4 }
func (Choke) Size() int         { return 5 }
func (Unchoke) Size() int       { return 5 }
func (Interested) Size() int    { return 5 }
func (NotInterested) Size() int { return 5 }
func (Have) Size() int          { return 9 }
func (m Bitfield) Size() int    { return 5 + len(m.Bits) }
func (Request) Size() int       { return 17 }
func (Cancel) Size() int        { return 17 }
func (m Piece) Size() int       { return 13 + len(m.Data) }
func (Port) Size() int          { return 7 }
func (m Unknown) Size() int     { return 5 + m.Length }
