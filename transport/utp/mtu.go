package utp

import (
	"cmp"
	"net/netip"
)

// Path MTU probing, as libtorrent does it: a connection starts with
// Config.PacketSize datagrams (the floor, known to pass) and searches up
// to a ceiling, the least of the route's MTU (what the kernel reports),
// Config.MaxPacketSize and what the peer reads. A probe is a full data
// packet of the size tried: acked, it becomes the floor; lost, its size
// less one becomes the ceiling, the loss is not taken for congestion, and
// it is sent again with fragmentation allowed. The first probe tries the
// ceiling itself (on loopback or a LAN it passes at once), later ones
// halve the gap until it is under mtuDone bytes.

const (
	// DefaultMaxPacketSize is the largest datagram MTU probing tries:
	// under the 64 KiB a GRO read and the read buffer hold.
	DefaultMaxPacketSize = 64000
	// ethernetMTU bounds probing to a peer that does not say it reads
	// more (libtorrent reads datagrams into 1 500 bytes).
	ethernetMTU = 1500
	// mtuDone ends the search when ceiling and floor are this close.
	mtuDone = 32
	// udpHeader is the UDP header, ipv4Header and ipv6Header the IP ones.
	udpHeader, ipv4Header, ipv6Header = 8, 20, 40
	// readsUpTo is the largest datagram the socket reads (its read
	// buffer), sent to peers in the extMaxDatagram extension.
	readsUpTo = 65535
	// dataOverhead is the most header a data packet carries: the fixed
	// header and a selective ack of sackBits.
	dataOverhead = headerSize + 2 + sackBits/8
)

// mtuSearch is one connection's packet size search.
type mtuSearch struct {
	floor, ceiling int    // datagram sizes: floor passed, ceiling bounds
	probing        bool   // a probe is in flight
	probeSeq       uint16 // its sequence number
	probeSize      int    // its datagram size
	tried          bool   // the first probe (the ceiling) was sent
}

// next is the size of the next probe, or 0 when the search is over.
func (m *mtuSearch) next() int {
	if m.probing || m.ceiling-m.floor < mtuDone {
		return 0
	}
	if !m.tried {
		return m.ceiling
	}
	return (m.floor + m.ceiling + 1) / 2
}

// startMTU sets the search's ceiling once the peer's SYN or its answer
// said what it reads (peerReads, 0 when it did not) and how much window
// it has; c.mu is held or c is not yet shared.
func (c *Conn) startMTU(peerReads uint16, peerWnd uint32) {
	cfg := &c.s.cfg
	c.mtu.floor = cfg.PacketSize
	limit := cmp.Or(cfg.MaxPacketSize, DefaultMaxPacketSize)
	if !c.peer.ap.IsValid() {
		// Not UDP (the in-memory network): no route to ask; probe only
		// when MaxPacketSize says how far.
		limit = cfg.MaxPacketSize
	} else {
		limit = min(limit, pathLimit(c.peer.ap))
	}
	hdr := ipv4Header + udpHeader
	if c.peer.ap.IsValid() && !c.peer.ap.Addr().Is4() {
		hdr = ipv6Header + udpHeader
	}
	if peerReads == 0 {
		limit = min(limit, ethernetMTU-hdr)
	} else {
		limit = min(limit, int(peerReads))
	}
	// Two probes' payload fit the windows, so a probe never waits for
	// one.
	limit = min(limit, int(peerWnd)/2, cfg.ReadBuffer/2, cfg.MaxWindow/2)
	c.mtu.ceiling = max(limit, c.mtu.floor)
}

// pathLimit is the largest UDP payload the route to ap carries without
// fragmenting (its MTU less the headers), or the Ethernet one when the
// kernel does not say.
func pathLimit(ap netip.AddrPort) int {
	hdr := ipv4Header + udpHeader
	if !ap.Addr().Is4() {
		hdr = ipv6Header + udpHeader
	}
	mtu := routeMTU(ap)
	if mtu <= 0 {
		mtu = ethernetMTU
	}
	return mtu - hdr
}

// probeNow returns the payload of a probe to send now with n bytes
// ready to go, or 0 for an ordinary packet.
func (c *Conn) probeNow(ready int) int {
	size := c.mtu.next()
	if size == 0 {
		return 0
	}
	payload := size - dataOverhead
	if ready < payload || int(c.peerWnd) < 2*payload {
		return 0
	}
	return payload
}

// probeSent records the probe p; transmit records its size on the wire.
func (c *Conn) probeSent(p *outPkt) {
	p.probe = true
	c.mtu.probing, c.mtu.probeSeq, c.mtu.tried = true, p.seq, true
}

// probeAcked: the size passes; packets grow to it.
func (c *Conn) probeAcked(p *outPkt) {
	if !p.probe || !c.mtu.probing || p.seq != c.mtu.probeSeq {
		return
	}
	c.mtu.probing = false
	if c.mtu.probeSize > c.mtu.floor {
		c.mtu.floor = c.mtu.probeSize
		c.maxPayload = c.mtu.floor - dataOverhead
	}
	c.cc.mss = c.maxPayload
}

// probeLost: the size does not pass; the search looks lower. It reports
// whether p was the probe (whose loss says nothing of congestion).
func (c *Conn) probeLost(p *outPkt) bool {
	if !p.probe {
		return false
	}
	if c.mtu.probing && p.seq == c.mtu.probeSeq {
		c.mtu.probing = false
		c.mtu.ceiling = max(c.mtu.probeSize-1, c.mtu.floor)
	}
	return true
}

// PacketSize is the largest datagram the connection sends now:
// Config.PacketSize until MTU probing finds that larger ones pass.
func (c *Conn) PacketSize() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.maxPayload + dataOverhead
}
