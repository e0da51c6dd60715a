package transport

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"
)

// TCP is the [StreamTransport] over the operating system's TCP. It serves
// /ip4|ip6|dns|dns4|dns6/HOST/tcp/PORT addresses. The zero value is ready to
// use; set Dialer or ListenConfig to tune keep-alives, local addresses or
// socket options.
//
// Dial returns the real *net.TCPConn, so io.Copy and friends keep their
// fast paths (splice, sendfile). The listener's Addr is an [Addr] with the
// port the system chose.
type TCP struct {
	// Dialer opens outgoing connections. The zero value is net.Dialer's
	// default: no timeout beyond the context's, 15 s keep-alive probes.
	Dialer net.Dialer
	// ListenConfig opens listeners. The zero value is net.ListenConfig's
	// default.
	ListenConfig net.ListenConfig
}

var _ StreamTransport = TCP{}

// Dial opens a TCP connection to addr. A refused or unreachable
// destination, a failed name lookup or a timed-out dial is an error
// wrapping [ErrUnreachable] (and [ErrTimeout] for a timeout) with the
// underlying *net.OpError still in the chain; an address that is not a TCP
// multiaddr is an [ErrBadAddr].
func (t TCP) Dial(ctx context.Context, addr Addr) (net.Conn, error) {
	ip, network, err := parseIPNet(addr, "tcp")
	if err != nil {
		return nil, err
	}
	c, err := t.Dialer.DialContext(ctx, network, ip.HostPort())
	if err != nil {
		return nil, WrapDialError(err)
	}
	return c, nil
}

// Listen opens a TCP listener on addr; port 0 picks a free port. The
// listener's Addr returns the [Addr] it listens on; Accept returns
// *net.TCPConn values.
func (t TCP) Listen(addr Addr) (net.Listener, error) {
	ip, network, err := parseIPNet(addr, "tcp")
	if err != nil {
		return nil, err
	}
	ln, err := t.ListenConfig.Listen(context.Background(), network, ip.HostPort())
	if err != nil {
		return nil, err
	}
	tl, ok := ln.(*net.TCPListener)
	if !ok { // the net package always returns one for "tcp"
		ln.Close()
		return nil, fmt.Errorf("transport: TCP listener is a %T", ln)
	}
	return &tcpListener{TCPListener: tl, addr: FromNetAddr(ln.Addr())}, nil
}

// tcpListener reports its address as an Addr; everything else, including
// SetDeadline and SyscallConn, is the system listener's.
type tcpListener struct {
	*net.TCPListener
	addr Addr
}

// Addr returns the multiaddr the listener listens on.
func (l *tcpListener) Addr() net.Addr { return l.addr }

// parseIPNet parses addr as an IP multiaddr of the given transport
// protocol ("tcp" or "udp") and returns the net package's network name
// for it ("tcp4", "udp6", ...).
func parseIPNet(addr Addr, proto string) (IPAddr, string, error) {
	ip, err := ParseIPAddr(addr)
	if err != nil {
		return IPAddr{}, "", err
	}
	if ip.Net != proto {
		return IPAddr{}, "", fmt.Errorf("%w: %q is not a %s address", ErrBadAddr, addr, proto)
	}
	switch ip.Proto {
	case "ip4", "dns4":
		return ip, proto + "4", nil
	case "ip6", "dns6":
		return ip, proto + "6", nil
	}
	return ip, proto, nil
}

// WrapDialError makes the dial errors that mean "nobody can be reached
// there" (refused, no route, reset, timeout, unknown host) wrap
// ErrUnreachable, and timeouts ErrTimeout too, keeping err in the chain:
// what Host and the protocols test with errors.Is. A StreamTransport
// written outside this package passes its dial errors through it.
func WrapDialError(err error) error {
	var dnsErr *net.DNSError
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded), errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%w: %w: %w", ErrUnreachable, ErrTimeout, err)
	case errors.Is(err, syscall.ECONNREFUSED),
		errors.Is(err, syscall.EHOSTUNREACH),
		errors.Is(err, syscall.ENETUNREACH),
		errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.EADDRNOTAVAIL),
		errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		return fmt.Errorf("%w: %w", ErrUnreachable, err)
	}
	return err
}
