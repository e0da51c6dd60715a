package swarm

import (
	"fmt"
	"net/netip"
	"slices"
	"time"

	"github.com/networkutopia/p2p/swarm/metainfo"
	"github.com/networkutopia/p2p/swarm/wire"
	"github.com/networkutopia/p2p/transport"
)

// The extended ids we ask peers to send our extensions with (BEP 10
// lets each side choose; these are libtorrent's).
const (
	extPEXID      = 1
	extMetadataID = 2
	// clientName is the "v" of our extended handshake.
	clientName = "networkutopia/p2p swarm"
	// maxMetadataBacklog: a metadata request that finds more messages
	// than this waiting towards its peer is not answered.
	maxMetadataBacklog = 64
)

// ExtStats counts what the extension protocol (BEP 10) did and refused.
type ExtStats struct {
	// Dropped counts peers dropped for a malformed extended handshake,
	// ut_metadata or ut_pex message.
	Dropped int
	// MetadataServed and MetadataRejected count the metadata pieces we
	// sent and the requests we rejected (out of range, or no metadata).
	MetadataServed, MetadataRejected int
	// RejectsSent and RejectsReceived count the Fast extension's
	// reject messages (BEP 6).
	RejectsSent, RejectsReceived int
	// PEXSent counts the PEX messages sent; PEXLearnt the addresses
	// peers told us through PEX (before MaxKnownPeers); PEXIgnored the
	// PEX messages ignored (too soon after the last, or a private
	// torrent).
	PEXSent, PEXLearnt, PEXIgnored int
}

// extPeer is a Peer's extension state.
type extPeer struct {
	metadata []byte // the bencoded info dictionary, once marshalled
	noMeta   bool   // Info does not hash to InfoHash: serve no metadata
}

// extConn is what we know of one peer's extensions.
type extConn struct {
	on           bool // it set the reserved bit and we sent our handshake
	metadataID   byte // its id for ut_metadata; 0 if it does not speak it
	pexID        byte // its id for ut_pex
	listen       netip.AddrPort
	pexSent      map[netip.AddrPort]bool // peers our PEX has told it of
	pexSentOnce  bool
	lastPEXIn    time.Time
	metadataSize int64
	metaServed   int             // metadata pieces sent to it
	fast         bool            // both ends speak the Fast extension (BEP 6)
	allowed      map[uint32]bool // its allowed-fast pieces: served while choked
}

func (n *Peer) pexEnabled() bool { return n.cfg.PEXInterval > 0 && !n.cfg.Info.Private }

func (n *Peer) startExtensions() {
	if n.pexEnabled() {
		n.env.AfterFunc(n.cfg.PEXInterval, n.pexRound)
	}
}

// metadata returns the info dictionary's bytes, or nil if they do not
// hash to the info-hash (an Info built by hand).
func (n *Peer) metadata() []byte {
	if n.ext.metadata == nil && !n.ext.noMeta {
		b, err := n.cfg.Info.Marshal()
		if err != nil || metainfo.HashPiece(b) != n.cfg.InfoHash {
			n.ext.noMeta = true
			return nil
		}
		n.ext.metadata = b
	}
	return n.ext.metadata
}

// ourExtHandshake is what we tell a peer at addr.
func ourExtHandshake(addr transport.Addr, listen transport.Addr, metadataSize int64, pex bool, reqq int) wire.ExtHandshake {
	h := wire.ExtHandshake{M: map[string]byte{}, V: clientName, Reqq: reqq, MetadataSize: metadataSize}
	if metadataSize > 0 {
		h.M[wire.ExtMetadata] = extMetadataID
	}
	if pex {
		h.M[wire.ExtPEX] = extPEXID
	}
	if ip, err := transport.ParseIPAddr(listen); err == nil {
		h.P = ip.Port
	}
	if ap, ok := addrPort(addr); ok {
		h.YourIP = ap.Addr()
	}
	return h
}

// sendExtHandshake opens the extension protocol with a peer that set the
// reserved bit.
func (n *Peer) sendExtHandshake(c *peerConn, h wire.Handshake) {
	if !h.SupportsExtensions() || c.ext.on || c.gone {
		return
	}
	c.ext.on = true
	size := int64(len(n.metadata()))
	eh := ourExtHandshake(c.addr, n.env.Self(), size, n.pexEnabled(), n.cfg.MaxQueuedRequests)
	n.send(c, wire.Extended{ID: wire.ExtHandshakeID, Payload: wire.AppendExtHandshake(nil, eh)})
}

func (n *Peer) dropExt(c *peerConn, err error) {
	n.stats.Extensions.Dropped++
	n.drop(c, fmt.Errorf("%w: %w", ErrProtocol, err))
}

// onExtended handles an extension message. An id we did not assign is
// ignored, as BEP 10 asks.
func (n *Peer) onExtended(c *peerConn, m wire.Extended) {
	switch m.ID {
	case wire.ExtHandshakeID:
		h, err := wire.ParseExtHandshake(m.Payload)
		if err != nil {
			n.dropExt(c, err)
			return
		}
		c.ext.apply(c.addr, h)
	case extMetadataID:
		if len(n.metadata()) == 0 {
			return
		}
		md, err := wire.ParseMetadata(m.Payload)
		if err != nil {
			n.dropExt(c, err)
			return
		}
		if md.Type == wire.MetadataRequest {
			n.serveMetadata(c, md.Piece)
		}
	case extPEXID:
		n.onPEX(c, m.Payload)
	}
}

// apply records a peer's extended handshake: the ids it wants, its
// listening port.
func (e *extConn) apply(addr transport.Addr, h wire.ExtHandshake) {
	if id, ok := h.M[wire.ExtMetadata]; ok {
		e.metadataID = id
	}
	if id, ok := h.M[wire.ExtPEX]; ok {
		e.pexID = id
	}
	if h.MetadataSize > 0 {
		e.metadataSize = h.MetadataSize
	}
	if ap, ok := addrPort(addr); ok && h.P != 0 {
		e.listen = netip.AddrPortFrom(ap.Addr(), h.P)
	}
}

// serveMetadata answers a ut_metadata request with the piece, or a
// reject for a piece out of range or past what one peer needs (the whole
// twice, and 8 more).
func (n *Peer) serveMetadata(c *peerConn, piece int) {
	if c.ext.metadataID == 0 || len(c.backlog) > maxMetadataBacklog {
		return
	}
	meta := n.metadata()
	reply := wire.Metadata{Type: wire.MetadataReject, Piece: piece}
	pieces := wire.MetadataPieces(int64(len(meta)))
	if piece < pieces && c.ext.metaServed < 2*pieces+8 {
		c.ext.metaServed++
		end := min(len(meta), (piece+1)*wire.MetadataPieceSize)
		reply = wire.Metadata{Type: wire.MetadataData, Piece: piece, TotalSize: int64(len(meta)), Data: meta[piece*wire.MetadataPieceSize : end]}
		n.stats.Extensions.MetadataServed++
	} else {
		n.stats.Extensions.MetadataRejected++
	}
	n.send(c, wire.Extended{ID: c.ext.metadataID, Payload: wire.AppendMetadata(nil, reply)})
}

// onPEX learns the peers a PEX message names.
func (n *Peer) onPEX(c *peerConn, payload []byte) {
	if !n.pexEnabled() {
		n.stats.Extensions.PEXIgnored++
		return
	}
	m, err := wire.ParsePEX(payload, n.cfg.MaxPEXPeers)
	if err != nil {
		n.dropExt(c, err)
		return
	}
	now := n.env.Now()
	if !c.ext.lastPEXIn.IsZero() && now.Sub(c.ext.lastPEXIn) < n.cfg.PEXInterval/2 {
		n.stats.Extensions.PEXIgnored++
		return
	}
	c.ext.lastPEXIn = now
	network := "tcp"
	if ip, err := transport.ParseIPAddr(c.addr); err == nil {
		network = ip.Net
	}
	addrs := make([]transport.Addr, 0, len(m.Added))
	for _, ap := range m.Added {
		if !ap.IsValid() || ap.Port() == 0 || ap.Addr().IsUnspecified() || ap.Addr().IsMulticast() {
			continue
		}
		addrs = append(addrs, ipAddr(ap, network))
	}
	n.stats.Extensions.PEXLearnt += len(addrs)
	n.AddPeers(addrs...)
}

// pexRound sends each peer that speaks ut_pex the peers connected and
// lost since the last round, at most wire.PEXMaxAdded of each.
func (n *Peer) pexRound() {
	if n.stopped {
		return
	}
	current := map[netip.AddrPort]byte{}
	var order []netip.AddrPort
	for _, c := range n.list {
		if !c.ready {
			continue
		}
		ap, flags := c.ext.listen, byte(0)
		if !c.inbound {
			ap, _ = addrPort(c.addr)
			flags |= wire.PEXReachable
		}
		if !ap.IsValid() {
			continue
		}
		if c.hasCount == n.picker.NumPieces() {
			flags |= wire.PEXSeed
		}
		if _, dup := current[ap]; !dup {
			order = append(order, ap)
		}
		current[ap] = flags
	}
	for _, c := range n.list {
		if !c.ready || c.ext.pexID == 0 {
			continue
		}
		self := c.ext.listen
		if !c.inbound {
			self, _ = addrPort(c.addr)
		}
		var m wire.PEX
		for _, ap := range order {
			if ap != self && !c.ext.pexSent[ap] && len(m.Added) < wire.PEXMaxAdded {
				m.Added = append(m.Added, ap)
				m.AddedFlags = append(m.AddedFlags, current[ap])
			}
		}
		for ap := range c.ext.pexSent {
			if _, ok := current[ap]; !ok && len(m.Dropped) < wire.PEXMaxAdded {
				m.Dropped = append(m.Dropped, ap)
			}
		}
		if len(m.Added) == 0 && len(m.Dropped) == 0 && c.ext.pexSentOnce {
			continue
		}
		slices.SortFunc(m.Dropped, func(a, b netip.AddrPort) int { return a.Compare(b) })
		if c.ext.pexSent == nil {
			c.ext.pexSent = map[netip.AddrPort]bool{}
		}
		for _, ap := range m.Added {
			c.ext.pexSent[ap] = true
		}
		for _, ap := range m.Dropped {
			delete(c.ext.pexSent, ap)
		}
		c.ext.pexSentOnce = true
		n.stats.Extensions.PEXSent++
		n.send(c, wire.Extended{ID: c.ext.pexID, Payload: wire.AppendPEX(nil, m)})
	}
	n.env.AfterFunc(n.cfg.PEXInterval, n.pexRound)
}

// addrPort returns the IP address and port of an /ip4 or /ip6 address.
func addrPort(a transport.Addr) (netip.AddrPort, bool) {
	ip, err := transport.ParseIPAddr(a)
	if err != nil || (ip.Proto != "ip4" && ip.Proto != "ip6") {
		return netip.AddrPort{}, false
	}
	addr, err := netip.ParseAddr(ip.Host)
	if err != nil {
		return netip.AddrPort{}, false
	}
	return netip.AddrPortFrom(addr.Unmap(), ip.Port), true
}

// ipAddr is the multiaddr of ap over network ("tcp" or "udp").
func ipAddr(ap netip.AddrPort, network string) transport.Addr {
	proto := "ip4"
	if !ap.Addr().Unmap().Is4() {
		proto = "ip6"
	}
	return transport.Addr(fmt.Sprintf("/%s/%s/%s/%d", proto, ap.Addr().Unmap(), network, ap.Port()))
}
