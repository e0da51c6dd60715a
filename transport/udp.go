package transport

import (
	"context"
	"fmt"
	"net"
	"net/netip"
)

// UDP is the [PacketTransport] over the operating system's UDP. It serves
// /ip4|ip6|dns|dns4|dns6/HOST/udp/PORT addresses. The zero value is ready
// to use; set ListenConfig to tune socket options.
//
// The endpoints it opens are *net.UDPConn values with two conveniences:
// LocalAddr returns an [Addr], and WriteTo also accepts an [Addr]. ReadFrom
// returns *net.UDPAddr values (no allocation of address text per datagram);
// they are valid for WriteTo and convert with [FromNetAddr].
type UDP struct {
	// ListenConfig opens endpoints. The zero value is net.ListenConfig's
	// default.
	ListenConfig net.ListenConfig
}

var _ PacketTransport = UDP{}

// ListenPacket opens a UDP endpoint on addr; port 0 picks a free port.
func (u UDP) ListenPacket(addr Addr) (net.PacketConn, error) {
	ip, network, err := parseIPNet(addr, "udp")
	if err != nil {
		return nil, err
	}
	pc, err := u.ListenConfig.ListenPacket(context.Background(), network, ip.HostPort())
	if err != nil {
		return nil, err
	}
	uc, ok := pc.(*net.UDPConn)
	if !ok { // only with a ListenConfig.Control that swaps the socket type
		return pc, nil
	}
	return &udpConn{UDPConn: uc, addr: FromNetAddr(uc.LocalAddr())}, nil
}

// ResolvePacket returns the *net.UDPAddr of a UDP multiaddr, looking up
// DNS names. Any other address, including a TCP one or one with trailing
// components such as /quic-v1, is an [ErrBadAddr].
func (UDP) ResolvePacket(addr Addr) (net.Addr, error) {
	ip, network, err := parseIPNet(addr, "udp")
	if err != nil {
		return nil, err
	}
	return resolveUDP(ip, network)
}

func resolveUDP(ip IPAddr, network string) (*net.UDPAddr, error) {
	if a, err := netip.ParseAddr(ip.Host); err == nil {
		return net.UDPAddrFromAddrPort(netip.AddrPortFrom(a, ip.Port)), nil
	}
	ua, err := net.ResolveUDPAddr(network, ip.HostPort())
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnreachable, err)
	}
	return ua, nil
}

// udpConn is a *net.UDPConn that speaks Addr at its edges.
type udpConn struct {
	*net.UDPConn
	addr Addr
}

// LocalAddr returns the multiaddr of the endpoint.
func (c *udpConn) LocalAddr() net.Addr { return c.addr }

// WriteTo sends b to to, which is a *net.UDPAddr (as ReadFrom returns) or
// an [Addr] of this transport.
func (c *udpConn) WriteTo(b []byte, to net.Addr) (int, error) {
	a, ok := to.(Addr)
	if !ok {
		return c.UDPConn.WriteTo(b, to)
	}
	ip, network, err := parseIPNet(a, "udp")
	if err != nil {
		return 0, &net.OpError{Op: "write", Net: "udp", Source: c.addr, Addr: a, Err: err}
	}
	ua, err := resolveUDP(ip, network)
	if err != nil {
		return 0, &net.OpError{Op: "write", Net: "udp", Source: c.addr, Addr: a, Err: err}
	}
	return c.UDPConn.WriteToUDP(b, ua)
}
