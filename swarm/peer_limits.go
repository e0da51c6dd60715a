package swarm

import (
	"net/netip"
	"time"

	"github.com/networkutopia/p2p/transport"
)

// host names the machine behind an address: the unit that
// MaxPeersPerHost and bans count. It is the IPv4 address, or the IPv6 /64
// (one subscriber's usual allocation), of an /ip4 or /ip6 address; the
// whole address of anything else (a simulator node, a libp2p peer, a DNS
// name). 127.0.0.1 and ::1 are keyed by address and port: every process
// on one machine shares them, so several local clients (tests, examples,
// a user trying the library) must be able to reach each other, and a
// local attacker owns the machine anyway. Any other loopback address
// (127.0.0.2, ...) is a host like a remote one, which is how tests stand
// for a remote attacker.
type host string

var (
	loopback4 = netip.AddrFrom4([4]byte{127, 0, 0, 1})
	loopback6 = netip.IPv6Loopback()
)

func hostOf(a transport.Addr) host {
	ip, err := transport.ParseIPAddr(a)
	if err != nil || (ip.Proto != "ip4" && ip.Proto != "ip6") {
		return host(a)
	}
	addr, err := netip.ParseAddr(ip.Host)
	if err != nil {
		return host(a)
	}
	addr = addr.WithZone("").Unmap()
	switch {
	case addr == loopback4 || addr == loopback6:
		return host(a)
	case addr.Is6():
		p, _ := addr.Prefix(64)
		return host(p.String())
	}
	return host(addr.String())
}

// readyFrom counts the connections past the handshake to h, but for
// except.
func (n *Peer) readyFrom(h host, except *peerConn) int {
	k := 0
	for _, c := range n.list {
		if c != except && c.ready && c.host == h {
			k++
		}
	}
	return k
}

// connsTo counts the connections to h, in any state.
func (n *Peer) connsTo(h host) int {
	k := 0
	for _, c := range n.list {
		if c.host == h {
			k++
		}
	}
	return k
}

// admit decides whether an inbound connection from h may open: not from
// a banned host, and, when every slot is taken, not from a host at its
// limit, and only if a less useful peer can be evicted to make room.
func (n *Peer) admit(h host) bool {
	switch {
	case n.banned[h]:
		n.stats.RefusedBanned++
		return false
	case len(n.list) < n.cfg.MaxPeers:
		return true
	case n.readyFrom(h, nil) >= n.cfg.MaxPeersPerHost:
		n.stats.RefusedPerHost++
		return false
	}
	victim := n.leastUseful()
	if victim == nil {
		n.stats.RefusedFull++
		return false
	}
	n.stats.Evicted++
	n.log.Debug("swarm: evicting an idle peer for a newcomer", "peer", victim.addr)
	n.env.Disconnect(victim.addr)
	n.forget(victim)
	return true
}

// leastUseful returns the peer to evict for a newcomer, or nil if every
// peer is useful. A peer that sent us a block, or was sent one, within
// SnubTimeout is never evicted. The others go in this order: still in
// the handshake; neither side interested; it wants our pieces but we want
// none of its; we want its pieces but it sends none. Within a rank, the
// one idle longest goes first.
func (n *Peer) leastUseful() *peerConn {
	now := n.env.Now()
	var victim *peerConn
	var vRank int
	var vIdle time.Time
	for _, c := range n.list {
		rank, ok := n.evictionRank(c, now)
		if !ok {
			continue
		}
		idle := c.since
		if c.lastPayload.After(idle) {
			idle = c.lastPayload
		}
		if victim == nil || rank < vRank || (rank == vRank && idle.Before(vIdle)) {
			victim, vRank, vIdle = c, rank, idle
		}
	}
	return victim
}

func (n *Peer) evictionRank(c *peerConn, now time.Time) (int, bool) {
	switch {
	case !c.ready:
		return 0, true
	case !c.lastPayload.IsZero() && now.Sub(c.lastPayload) < n.cfg.SnubTimeout:
		return 0, false
	case !c.amInterested && !c.peerInterested:
		return 1, true
	case !c.amInterested:
		return 2, true
	}
	return 3, true
}
