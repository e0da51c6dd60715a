// Package hostkey names the host a connection comes from, the unit the
// overlay's per-address limits count: one machine, whatever ports it
// opens connections from.
package hostkey

import (
	"net/netip"
	"strings"

	"github.com/networkutopia/p2p/transport"
)

// Of returns the host of a: its IPv4 address, or its IPv6 /64 (one
// subscriber's prefix, as the DNS server counts TCP clients), for an
// IP multiaddr; the address itself otherwise (a simulator node, whose
// address names the node).
func Of(a transport.Addr) string {
	if !strings.HasPrefix(string(a), "/ip4/") && !strings.HasPrefix(string(a), "/ip6/") {
		return string(a) // without parsing: the simulator adds thousands
	}
	ia, err := transport.ParseIPAddr(a)
	if err != nil {
		return string(a)
	}
	ip, err := netip.ParseAddr(ia.Host)
	if err != nil {
		return string(a)
	}
	ip = ip.Unmap()
	if ip.Is6() {
		if p, err := ip.Prefix(64); err == nil {
			return p.String()
		}
	}
	return ip.String()
}

// Hash is an FNV-1a hash of Of(a), for tables that compare hosts often.
func Hash(a transport.Addr) uint64 {
	h := uint64(14695981039346656037)
	k := Of(a)
	for i := 0; i < len(k); i++ {
		h ^= uint64(k[i])
		h *= 1099511628211
	}
	return h
}
