package transport

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
)

// Addr names a node or an endpoint. It is a comparable string, so it can key
// maps. Real transports use multiaddr text:
//
//	/ip4/127.0.0.1/tcp/6789           TCP
//	/ip6/::1/udp/53                   UDP
//	/dns/localhost/tcp/4001           a name resolved when dialling
//	/mem/alice/tcp, /mem/alice/udp    the in-memory network
//	/ip4/127.0.0.1/tcp/4001/p2p/12D3… libp2p (see transport/libp2p)
//
// The simulator uses its own short form. Addr implements [net.Addr], so it can
// be returned from LocalAddr and RemoteAddr.
type Addr string

// Network returns "p2p"; it makes Addr a [net.Addr].
func (a Addr) Network() string { return "p2p" }

// String returns the address text.
func (a Addr) String() string { return string(a) }

// IPAddr is a parsed IP multiaddr: the host part, the port and the transport
// protocol ("tcp" or "udp").
type IPAddr struct {
	// Proto is "ip4", "ip6", "dns", "dns4" or "dns6".
	Proto string
	// Host is the IP address or DNS name.
	Host string
	// Net is "tcp" or "udp".
	Net string
	// Port is the port number.
	Port uint16
}

// HostPort returns "host:port" as the net package wants it.
func (a IPAddr) HostPort() string { return net.JoinHostPort(a.Host, strconv.Itoa(int(a.Port))) }

// ParseIPAddr parses /ip4|ip6|dns|dns4|dns6/HOST/tcp|udp/PORT. Anything else,
// including trailing components, is an [ErrBadAddr].
func ParseIPAddr(a Addr) (IPAddr, error) {
	parts := strings.Split(string(a), "/")
	if len(parts) != 5 || parts[0] != "" {
		return IPAddr{}, fmt.Errorf("%w: %q is not /ip4|ip6|dns/HOST/tcp|udp/PORT", ErrBadAddr, a)
	}
	out := IPAddr{Proto: parts[1], Host: parts[2], Net: parts[3]}
	switch out.Proto {
	case "ip4", "ip6":
		ip, err := netip.ParseAddr(out.Host)
		if err != nil || (out.Proto == "ip4") != ip.Is4() {
			return IPAddr{}, fmt.Errorf("%w: %q: bad %s address", ErrBadAddr, a, out.Proto)
		}
	case "dns", "dns4", "dns6":
		if out.Host == "" {
			return IPAddr{}, fmt.Errorf("%w: %q: empty host name", ErrBadAddr, a)
		}
	default:
		return IPAddr{}, fmt.Errorf("%w: %q: unknown protocol %q", ErrBadAddr, a, out.Proto)
	}
	if out.Net != "tcp" && out.Net != "udp" {
		return IPAddr{}, fmt.Errorf("%w: %q: want tcp or udp, got %q", ErrBadAddr, a, out.Net)
	}
	port, err := strconv.ParseUint(parts[4], 10, 16)
	if err != nil {
		return IPAddr{}, fmt.Errorf("%w: %q: bad port", ErrBadAddr, a)
	}
	out.Port = uint16(port)
	return out, nil
}

// TCPAddr returns the multiaddr of a TCP "host:port" (an IP literal or a name).
func TCPAddr(hostport string) (Addr, error) { return ipAddrFromHostPort("tcp", hostport) }

// UDPAddr returns the multiaddr of a UDP "host:port" (an IP literal or a name).
func UDPAddr(hostport string) (Addr, error) { return ipAddrFromHostPort("udp", hostport) }

func ipAddrFromHostPort(network, hostport string) (Addr, error) {
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrBadAddr, err)
	}
	p, err := strconv.ParseUint(port, 10, 16)
	if err != nil {
		return "", fmt.Errorf("%w: %q: bad port", ErrBadAddr, hostport)
	}
	proto := "dns"
	if ip, err := netip.ParseAddr(host); err == nil {
		host, proto = ip.Unmap().String(), "ip6"
		if ip.Unmap().Is4() {
			proto = "ip4"
		}
	}
	a := Addr(fmt.Sprintf("/%s/%s/%s/%d", proto, host, network, p))
	if _, err := ParseIPAddr(a); err != nil { // an empty host, or one with a "/"
		return "", fmt.Errorf("%w: %q: bad host", ErrBadAddr, hostport)
	}
	return a, nil
}

// FromNetAddr converts a [net.Addr] returned by a transport into an [Addr]:
// *net.TCPAddr and *net.UDPAddr become IP multiaddrs, an Addr is returned as
// is, and any other address whose text starts with "/" is taken as multiaddr
// text.
func FromNetAddr(na net.Addr) Addr {
	switch v := na.(type) {
	case nil:
		return ""
	case Addr:
		return v
	case *net.TCPAddr:
		return fromAddrPort("tcp", v.AddrPort())
	case *net.UDPAddr:
		return fromAddrPort("udp", v.AddrPort())
	}
	return Addr(na.String())
}

func fromAddrPort(network string, ap netip.AddrPort) Addr {
	ip := ap.Addr().Unmap()
	proto := "ip6"
	if ip.Is4() {
		proto = "ip4"
	}
	return Addr(fmt.Sprintf("/%s/%s/%s/%d", proto, ip.WithZone("").String(), network, ap.Port()))
}
