package utp

import (
	"context"
	"fmt"
	"net"
	"sync"

	"github.com/networkutopia/p2p/transport"
)

// Transport is the transport.StreamTransport of uTP over UDP: it serves
// /ip4|ip6/HOST/udp/PORT addresses. Listen opens a Socket on the address
// (its Accept is the listener's); Dial sends from one of the Transport's
// listening sockets when one is open (so peers see the listening port, as
// libtorrent does), else from a socket it opens on DialFrom. The zero
// value is ready; Close it to close that dialling socket.
type Transport struct {
	// Config tunes every socket the transport opens.
	Config Config
	// UDP opens the sockets. The zero value is transport.UDP{}.
	UDP transport.UDP
	// DialFrom is where the dialling socket binds when no listening socket
	// is open. Default /ip4/0.0.0.0/udp/0.
	DialFrom transport.Addr

	mu        sync.Mutex
	listening []*Socket
	dialer    *Socket
	closed    bool
}

var _ transport.StreamTransport = (*Transport)(nil)

// Listen opens a Socket on addr (port 0 picks a free one); the Socket is
// the listener, and closing it ends its connections.
func (t *Transport) Listen(addr transport.Addr) (net.Listener, error) {
	s, err := t.listen(addr, t.Config)
	if err != nil {
		return nil, err
	}
	t.mu.Lock()
	t.listening = append(t.listening, s)
	t.mu.Unlock()
	return &listener{Socket: s, t: t}, nil
}

func (t *Transport) listen(addr transport.Addr, cfg Config) (*Socket, error) {
	pc, err := t.UDP.ListenPacket(addr)
	if err != nil {
		return nil, err
	}
	s, err := NewSocket(pc, cfg)
	if err != nil {
		_ = pc.Close()
		return nil, err
	}
	return s, nil
}

// listener is a Socket that leaves the Transport's list when closed.
type listener struct {
	*Socket
	t *Transport
}

func (l *listener) Close() error {
	l.t.mu.Lock()
	for i, s := range l.t.listening {
		if s == l.Socket {
			l.t.listening = append(l.t.listening[:i], l.t.listening[i+1:]...)
			break
		}
	}
	l.t.mu.Unlock()
	return l.Socket.Close()
}

// Dial opens a uTP connection to a /udp/ address.
func (t *Transport) Dial(ctx context.Context, addr transport.Addr) (net.Conn, error) {
	ip, err := transport.ParseIPAddr(addr)
	if err != nil {
		return nil, err
	}
	if ip.Net != "udp" {
		return nil, fmt.Errorf("%w: %q is not a UDP address", transport.ErrBadAddr, addr)
	}
	s, err := t.dialSocket(ip)
	if err != nil {
		return nil, err
	}
	c, err := s.Dial(ctx, addr)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// dialSocket picks a listening socket of the address's family, or the
// dialling socket.
func (t *Transport) dialSocket(to transport.IPAddr) (*Socket, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return nil, &net.OpError{Op: "dial", Net: "utp", Err: net.ErrClosed}
	}
	v6 := to.Proto == "ip6" || to.Proto == "dns6"
	for _, s := range t.listening {
		if ip, err := transport.ParseIPAddr(transport.FromNetAddr(s.Addr())); err == nil && (ip.Proto == "ip6") == v6 {
			return s, nil
		}
	}
	if t.dialer == nil {
		from := t.DialFrom
		if from == "" {
			from = "/ip4/0.0.0.0/udp/0"
			if v6 {
				from = "/ip6/::/udp/0"
			}
		}
		cfg := t.Config
		cfg.NoAccept = true
		s, err := t.listen(from, cfg)
		if err != nil {
			return nil, err
		}
		t.dialer = s
	}
	return t.dialer, nil
}

// Close closes the dialling socket (listeners close on their own). It is
// idempotent.
func (t *Transport) Close() error {
	t.mu.Lock()
	d := t.dialer
	t.dialer, t.closed = nil, true
	t.mu.Unlock()
	if d != nil {
		return d.Close()
	}
	return nil
}
