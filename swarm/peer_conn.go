package swarm

import (
	"bytes"
	"fmt"
	"math/bits"
	"slices"
	"time"

	"github.com/networkutopia/p2p/swarm/wire"
	"github.com/networkutopia/p2p/transport"
)

// peerConn is what a Peer knows of one neighbour.
type peerConn struct {
	addr    transport.Addr
	host    host // hostOf(addr): what limits and bans count
	inbound bool
	links   int // open transport connections to addr (the simulator may have two)
	gone    bool

	sentHandshake, ready bool
	peerID               wire.PeerID

	amChoking, amInterested     bool
	peerChoking, peerInterested bool
	snubbed                     bool

	has      wire.Bitfield
	hasCount int
	wanted   int // pieces it has that we lack

	requests []outstanding // ours to it
	queued   int           // its requests waiting in Peer.uploads
	reads    []*blockRead  // its blocks being read off the loop
	backlog  []transport.Message
	stray    int // blocks it sent that we had not asked for

	downRate, upRate rateMeter // for choking
	fastRate         rateMeter // for sizing the pipeline
	since            time.Time
	unchokedAt       time.Time // when we last unchoked it
	lastRequest      time.Time // when it last asked us for a block
	lastBlock        time.Time // last block from it, or since
	lastPayload      time.Time // last block either way; zero if none yet
	lastSent         time.Time

	ext extConn // BEP 10: its extension ids, what PEX told it
}

type outstanding struct {
	b  Block
	at time.Time
}

func (c *peerConn) findRequest(b Block) int {
	return slices.IndexFunc(c.requests, func(o outstanding) bool { return o.b == b })
}

// Receive implements transport.Handler: one message from a neighbour.
func (n *Peer) Receive(tc transport.Conn, m transport.Message) {
	c := n.conns[tc.Peer]
	if c == nil {
		n.env.Disconnect(tc.Peer) // a peer we already dropped
		return
	}
	if !c.ready {
		h, ok := m.(wire.Handshake)
		if !ok {
			n.drop(c, fmt.Errorf("%w: %T before the handshake", ErrProtocol, m))
			return
		}
		n.onHandshake(c, h)
		return
	}
	switch m := m.(type) {
	case wire.KeepAlive, wire.Unknown:
	case wire.Handshake:
		// Both ends dialled each other from their listening sockets (uTP
		// does: one UDP socket per client), so the host holds two links
		// under one address and the peer's second handshake arrives here.
		// Our sends take the first link; the peer's end of the second
		// never completes and is dropped there. Anything else is a breach.
		if c.links < 2 || m.PeerID != c.peerID || m.InfoHash != n.cfg.InfoHash {
			n.drop(c, fmt.Errorf("%w: a second handshake", ErrProtocol))
		}
	case wire.Port:
		if n.cfg.OnDHTPort != nil && m.Port != 0 {
			n.cfg.OnDHTPort(tc.Peer, m.Port)
		}
	case wire.Choke:
		c.peerChoking = true
		n.cancelAll(c, false) // BEP 3: a choke discards our pending requests
	case wire.Unchoke:
		c.peerChoking = false
		n.request(c)
	case wire.Interested:
		c.peerInterested = true
		n.fillSlots()
	case wire.NotInterested:
		c.peerInterested = false
		if !c.amChoking {
			n.setChoke(c, true)
			n.fillSlots()
		}
	case wire.Have:
		n.onHave(c, int64(m.Index))
	case wire.Bitfield:
		// BEP 3 sends it first; some clients (aria2) repeat it later,
		// which we take as a fresh statement of what the peer has.
		n.onBitfield(c, m)
	case wire.Request:
		n.onRequest(c, m)
	case wire.Cancel:
		n.unqueue(c, func(r wire.Request) bool { return r == wire.Request(m) })
	case wire.Piece:
		n.onPiece(c, m)
	case wire.Extended:
		n.onExtended(c, m)
	case wire.HaveAll, wire.HaveNone, wire.RejectRequest, wire.SuggestPiece, wire.AllowedFast:
		n.onFast(c, m)
	default:
		n.drop(c, fmt.Errorf("%w: unexpected %T", ErrProtocol, m))
	}
}

func (n *Peer) onHandshake(c *peerConn, h wire.Handshake) {
	switch {
	case h.InfoHash != n.cfg.InfoHash:
		n.drop(c, fmt.Errorf("%w: handshake for torrent %s", ErrProtocol, h.InfoHash))
		return
	case h.PeerID == n.cfg.PeerID:
		n.drop(c, fmt.Errorf("%w: connected to ourselves", ErrProtocol))
		return
	}
	for _, o := range n.list {
		if o == c || !o.ready || o.peerID != h.PeerID {
			continue
		}
		// Two connections to one peer (both dialled): keep the one opened
		// by the peer with the smaller id, so both ends keep the same.
		opener := func(x *peerConn) wire.PeerID {
			if x.inbound {
				return h.PeerID
			}
			return n.cfg.PeerID
		}
		oc, oo := opener(c), opener(o)
		if oc == oo || bytes.Compare(oo[:], oc[:]) < 0 {
			n.drop(c, fmt.Errorf("%w: duplicate connection", ErrProtocol))
			return
		}
		n.drop(o, fmt.Errorf("%w: duplicate connection", ErrProtocol))
		break
	}
	// The host limit is checked here, once duplicates are resolved: two
	// peers that dial each other at once must not both refuse the other's
	// connection for being a second one to the same host.
	if n.readyFrom(c.host, c) >= n.cfg.MaxPeersPerHost {
		n.stats.RefusedPerHost++
		n.refuse(c, fmt.Errorf("%w: %d connections to host %s already", ErrRefused, n.cfg.MaxPeersPerHost, c.host))
		return
	}
	c.peerID = h.PeerID
	c.ready = true
	n.connected(c)
	n.sendHandshake(c)
	n.sendExtHandshake(c, h)
	n.startFast(c, h)
	if n.cfg.DHTPort != 0 && h.Reserved[7]&wire.ReservedDHT != 0 {
		n.send(c, wire.Port{Port: n.cfg.DHTPort})
	}
}

func (n *Peer) onHave(c *peerConn, index int64) {
	if index >= int64(n.picker.NumPieces()) {
		n.drop(c, fmt.Errorf("%w: have %d of %d pieces", ErrProtocol, index, n.picker.NumPieces()))
		return
	}
	i := int(index)
	if c.has.Has(i) {
		return
	}
	c.has.Set(i)
	c.hasCount++
	n.picker.PeerHas(i)
	if !n.picker.Have(i) {
		c.wanted++
		n.updateInterest(c)
		n.request(c)
	}
	n.dropIfBothSeeds(c)
}

func (n *Peer) onBitfield(c *peerConn, m wire.Bitfield) {
	if err := m.Validate(n.picker.NumPieces()); err != nil {
		n.drop(c, fmt.Errorf("%w: %w", ErrProtocol, err))
		return
	}
	n.picker.PeerGone(c.has)
	c.has = m.Clone()
	c.hasCount = c.has.Count()
	n.picker.PeerBitfield(c.has)
	mine := n.picker.have.Bits
	c.wanted = 0
	for i, x := range c.has.Bits {
		c.wanted += bits.OnesCount8(x &^ mine[i])
	}
	n.updateInterest(c)
	n.request(c)
	n.dropIfBothSeeds(c)
}

// dropIfBothSeeds closes a connection between two seeds: neither can give
// the other anything.
func (n *Peer) dropIfBothSeeds(c *peerConn) {
	if n.picker.Complete() && c.hasCount == n.picker.NumPieces() {
		n.env.Disconnect(c.addr)
		n.removeConn(c, nil)
	}
}

// updateInterest tells the peer whether it has pieces we want.
func (n *Peer) updateInterest(c *peerConn) {
	want := c.wanted > 0
	if want == c.amInterested || !c.ready {
		return
	}
	c.amInterested = want
	if want {
		n.send(c, wire.Interested{})
	} else {
		n.send(c, wire.NotInterested{})
	}
}
