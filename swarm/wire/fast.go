package wire

import (
	"crypto/sha1"
	"encoding/binary"
	"net/netip"

	"github.com/networkutopia/p2p/swarm/metainfo"
)

// The Fast extension (BEP 6).
const (
	IDSuggest     = 0x0d
	IDHaveAll     = 0x0e
	IDHaveNone    = 0x0f
	IDReject      = 0x10
	IDAllowedFast = 0x11
	// ReservedFastByte and ReservedFastBit mark a handshake whose sender
	// speaks the Fast extension.
	ReservedFastByte, ReservedFastBit = 7, 0x04
)

// SuggestPiece advises the peer to download piece Index (BEP 6).
type SuggestPiece struct{ Index uint32 }

// HaveAll replaces a bitfield when the sender has every piece (BEP 6).
type HaveAll struct{}

// HaveNone replaces a bitfield when the sender has no piece (BEP 6).
type HaveNone struct{}

// RejectRequest says the sender will not answer a Request (BEP 6).
type RejectRequest struct{ Index, Begin, Length uint32 }

// AllowedFast says the sender will answer requests for piece Index even
// while it chokes us (BEP 6).
type AllowedFast struct{ Index uint32 }

// Size returns the bytes each message takes on the wire.
func (SuggestPiece) Size() int  { return 9 }
func (HaveAll) Size() int       { return 5 }
func (HaveNone) Size() int      { return 5 }
func (RejectRequest) Size() int { return 17 }
func (AllowedFast) Size() int   { return 9 }

// SupportsFast reports whether h sets the BEP 6 reserved bit.
func (h Handshake) SupportsFast() bool { return h.Reserved[ReservedFastByte]&ReservedFastBit != 0 }

// WithFast returns reserved with the BEP 6 bit set.
func WithFast(reserved [8]byte) [8]byte {
	reserved[ReservedFastByte] |= ReservedFastBit
	return reserved
}

// AllowedFastSet computes the k pieces a peer at ip may request of a
// torrent of numPieces pieces while choked, as BEP 6 specifies: SHA-1
// chained from the IPv4 address's /24 and the info-hash, each hash
// giving four indices modulo numPieces, duplicates skipped. It returns
// nil for an address that is not IPv4 (BEP 6 defines none for IPv6) and
// at most numPieces indices.
func AllowedFastSet(ip netip.Addr, infoHash metainfo.Hash, numPieces, k int) []uint32 {
	ip = ip.Unmap()
	if !ip.Is4() || numPieces <= 0 || k <= 0 {
		return nil
	}
	k = min(k, numPieces)
	a4 := ip.As4()
	x := make([]byte, 0, 4+metainfo.HashSize)
	x = append(x, a4[0], a4[1], a4[2], 0)
	x = append(x, infoHash[:]...)
	out := make([]uint32, 0, k)
	for len(out) < k {
		h := sha1.Sum(x)
		x = h[:]
		for i := 0; i < 5 && len(out) < k; i++ {
			index := binary.BigEndian.Uint32(x[4*i:]) % uint32(numPieces)
			dup := false
			for _, v := range out {
				dup = dup || v == index
			}
			if !dup {
				out = append(out, index)
			}
		}
	}
	return out
}
