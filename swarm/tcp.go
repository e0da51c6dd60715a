package swarm

import (
	"context"
	"fmt"
	"net"

	"github.com/networkutopia/p2p/transport"
)

// tcpTransport is the StreamTransport a Client uses when none is given:
// plain TCP on /ip4|ip6|dns/HOST/tcp/PORT addresses.
type tcpTransport struct{}

func (tcpTransport) Dial(ctx context.Context, addr transport.Addr) (net.Conn, error) {
	ip, err := transport.ParseIPAddr(addr)
	if err != nil || ip.Net != "tcp" {
		return nil, fmt.Errorf("%w: %q is not a TCP address", transport.ErrBadAddr, addr)
	}
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", ip.HostPort())
	if err != nil {
		return nil, fmt.Errorf("%w: %w", transport.ErrUnreachable, err)
	}
	return c, nil
}

func (tcpTransport) Listen(addr transport.Addr) (net.Listener, error) {
	ip, err := transport.ParseIPAddr(addr)
	if err != nil || ip.Net != "tcp" {
		return nil, fmt.Errorf("%w: %q is not a TCP address", transport.ErrBadAddr, addr)
	}
	return net.Listen("tcp", ip.HostPort())
}
