package dnsx

import (
	"fmt"
	"net/netip"

	"github.com/networkutopia/p2p/transport"
)

// AddrPortOf returns the IP address and port of a transport address such
// as /ip4/127.0.0.1/udp/53 (the inverse of [UDPAddr] and [TCPAddr]); it
// fails for an address that names no IP address.
func AddrPortOf(a transport.Addr) (netip.AddrPort, error) {
	ip, err := transport.ParseIPAddr(a)
	if err != nil {
		return netip.AddrPort{}, err
	}
	addr, err := netip.ParseAddr(ip.Host)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("%w: %q is not an IP address", ErrBadConfig, ip.Host)
	}
	return netip.AddrPortFrom(addr, ip.Port), nil
}

// UDPAddr returns the transport address of a DNS server reached over UDP,
// such as /ip4/127.0.0.1/udp/53.
func UDPAddr(ap netip.AddrPort) transport.Addr { return ipAddr("udp", ap) }

// TCPAddr returns the transport address of a DNS server reached over TCP.
func TCPAddr(ap netip.AddrPort) transport.Addr { return ipAddr("tcp", ap) }

func ipAddr(network string, ap netip.AddrPort) transport.Addr {
	ip := ap.Addr().Unmap()
	proto := "ip6"
	if ip.Is4() {
		proto = "ip4"
	}
	return transport.Addr(fmt.Sprintf("/%s/%s/%s/%d", proto, ip.WithZone("").String(), network, ap.Port()))
}
