package gnutella

import (
	"net/netip"

	"github.com/networkutopia/p2p/transport"
	"github.com/networkutopia/p2p/transport/sim"
)

// simNet is the first byte of the IPv4 addresses that stand for simulator
// nodes in Pongs and QueryHits: 240.0.0.0/8 is reserved ("future use") and
// never routed, so it cannot clash with a real servent.
const simNet = 240

// AddrToIP returns the IPv4 address and port that stand for a in Pong,
// QueryHit and Push payloads: a /ip4/A.B.C.D/tcp/PORT multiaddr gives its
// own, and simulator node /sim/i gives 240.x.y.z (i in the low 24 bits)
// with port 6346. Other addresses report false.
func AddrToIP(a transport.Addr) (ip [4]byte, port uint16, ok bool) {
	if node, p, err := sim.ParseAddr(a); err == nil && p == 0 && node < 1<<24 {
		return [4]byte{simNet, byte(node >> 16), byte(node >> 8), byte(node)}, 6346, true
	}
	ia, err := transport.ParseIPAddr(a)
	if err != nil || ia.Net != "tcp" {
		return ip, 0, false
	}
	addr, err := netip.ParseAddr(ia.Host)
	if err != nil || !addr.Unmap().Is4() {
		return ip, 0, false
	}
	return addr.Unmap().As4(), ia.Port, true
}

// IPToAddr is the inverse of AddrToIP: the address to connect to for an
// IP and port read from a payload.
func IPToAddr(ip [4]byte, port uint16) transport.Addr {
	if ip[0] == simNet {
		return sim.NodeAddr(int(ip[1])<<16 | int(ip[2])<<8 | int(ip[3]))
	}
	a, _ := transport.TCPAddr(netip.AddrPortFrom(netip.AddrFrom4(ip), port).String())
	return a
}
