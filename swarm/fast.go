package swarm

import (
	"fmt"
	"slices"

	"github.com/networkutopia/p2p/swarm/wire"
	"github.com/networkutopia/p2p/transport"
)

// allowedFastSize is how many pieces a choked peer may ask for (BEP 6's
// allowed-fast set), as libtorrent's default.
const allowedFastSize = 5

// ourReserved are the reserved bits of our handshakes: the extension
// protocol (BEP 10) and the Fast extension (BEP 6).
var ourReserved = wire.WithFast(wire.WithExtensions([8]byte{}))

// startFast notes whether both ends speak the Fast extension and, if so,
// offers the peer its allowed-fast set among the pieces we have.
func (n *Peer) startFast(c *peerConn, h wire.Handshake) {
	if !h.SupportsFast() || c.ext.fast || c.gone {
		return
	}
	c.ext.fast = true
	ap, ok := addrPort(c.addr)
	if !ok {
		return
	}
	for _, i := range wire.AllowedFastSet(ap.Addr(), n.cfg.InfoHash, n.picker.NumPieces(), allowedFastSize) {
		if n.picker.Have(int(i)) {
			if c.ext.allowed == nil {
				c.ext.allowed = map[uint32]bool{}
			}
			c.ext.allowed[i] = true
			n.send(c, wire.AllowedFast{Index: i})
		}
	}
}

// onFast handles the Fast extension's messages; from a peer that did not
// announce the extension they break the protocol.
func (n *Peer) onFast(c *peerConn, m transport.Message) {
	if !c.ext.fast {
		n.drop(c, fmt.Errorf("%w: %T without the Fast extension", ErrProtocol, m))
		return
	}
	inRange := func(i uint32) bool {
		if int64(i) >= int64(n.picker.NumPieces()) {
			n.drop(c, fmt.Errorf("%w: %T for piece %d of %d", ErrProtocol, m, i, n.picker.NumPieces()))
			return false
		}
		return true
	}
	switch m := m.(type) {
	case wire.HaveAll:
		all := wire.NewBitfield(n.picker.NumPieces())
		for i := range n.picker.NumPieces() {
			all.Set(i)
		}
		n.onBitfield(c, all)
	case wire.HaveNone:
		n.onBitfield(c, wire.NewBitfield(n.picker.NumPieces()))
	case wire.RejectRequest:
		if !inRange(m.Index) {
			return
		}
		n.stats.Extensions.RejectsReceived++
		b := Block{Piece: int(m.Index), Begin: int(m.Begin), Length: int(m.Length)}
		if k := c.findRequest(b); k >= 0 {
			c.requests = slices.Delete(c.requests, k, k+1)
			n.picker.Unrequest(b)
			n.inFlight--
			n.requestAll()
		}
	case wire.SuggestPiece:
		inRange(m.Index) // advice only: the picker keeps rarest first
	case wire.AllowedFast:
		inRange(m.Index) // we ask only when unchoked
	}
}

// reject tells a Fast peer we will not serve r.
func (n *Peer) reject(c *peerConn, r wire.Request) {
	if c.ext.fast {
		n.stats.Extensions.RejectsSent++
		n.send(c, wire.RejectRequest(r))
	}
}
