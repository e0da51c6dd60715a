package libp2p

import (
	"fmt"
	"net"
	"slices"
	"sync"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"
	manet "github.com/multiformats/go-multiaddr/net"

	"github.com/networkutopia/p2p/transport"
)

// Listen makes the host listen on addr (/ip4/127.0.0.1/tcp/0,
// /ip4/127.0.0.1/udp/0/quic-v1, ... optionally ending in this host's own
// /p2p/<peer ID>) and returns a listener that accepts the adapter's
// streams. Port 0 picks a free port; the listener's Addr tells which, with
// the peer ID appended, ready to Dial.
//
// Streams arrive over the host's connections, not over sockets: a stream
// goes to the listener whose address its connection was accepted on, or,
// when none matches (a connection this host dialled, a wildcard address),
// to the oldest open listener. While no listener is open the host refuses
// the protocol, and dials to it fail with [transport.ErrUnreachable].
// Closing the listener stops listening on its address; streams already
// accepted stay open.
func (t *Transport) Listen(addr transport.Addr) (net.Listener, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return nil, &net.OpError{Op: "listen", Net: "p2p", Addr: addr, Err: net.ErrClosed}
	}
	m, err := t.parseListenAddr(addr)
	if err != nil {
		return nil, err
	}
	before := t.swarm.ListenAddresses()
	if err := t.swarm.AddListenAddr(m); err != nil {
		return nil, &net.OpError{Op: "listen", Net: "p2p", Addr: addr, Err: err}
	}
	var bound []ma.Multiaddr
	for _, a := range t.swarm.ListenAddresses() {
		if !slices.ContainsFunc(before, a.Equal) {
			bound = append(bound, a)
		}
	}
	if len(bound) == 0 { // the swarm listened but reports nothing new
		return nil, &net.OpError{Op: "listen", Net: "p2p", Addr: addr, Err: fmt.Errorf("libp2p: no new listen address after listening on %s", m)}
	}
	l := &listener{
		t:       t,
		bound:   bound,
		addr:    t.withSelf(bound[0]),
		streams: make(chan network.Stream),
		done:    make(chan struct{}),
	}
	if len(t.listeners) == 0 {
		t.host.SetStreamHandler(t.proto, t.handleStream)
	}
	t.listeners = append(t.listeners, l)
	return l, nil
}

// parseListenAddr parses a listen address, dropping a trailing /p2p/<id>
// that must be this host's.
func (t *Transport) parseListenAddr(addr transport.Addr) (ma.Multiaddr, error) {
	m, err := ma.NewMultiaddr(string(addr))
	if err != nil {
		return nil, fmt.Errorf("%w: %q: %w", transport.ErrBadAddr, addr, err)
	}
	if id, err := peer.IDFromP2PAddr(m); err == nil {
		if id != t.host.ID() {
			return nil, fmt.Errorf("%w: %q names peer %s, not this host (%s)", transport.ErrBadAddr, addr, id, t.host.ID())
		}
		m, _ = ma.SplitLast(m)
	}
	if m == nil || t.swarm.TransportForListening(m) == nil {
		return nil, fmt.Errorf("%w: %q: this host runs no transport that listens there (it runs %v)", transport.ErrBadAddr, addr, t.cfg.Transports)
	}
	return m, nil
}

// handleStream is the host's handler for the adapter's protocol: it hands
// the stream to a listener, waiting until that listener accepts it or
// closes. Each inbound stream has its own handler goroutine (go-libp2p's),
// and the resource manager bounds how many.
func (t *Transport) handleStream(s network.Stream) {
	l := t.route(s.Conn().LocalMultiaddr())
	if l == nil {
		t.log.Debug("libp2p: stream refused: no listener open", "peer", s.Conn().RemotePeer())
		_ = s.Reset()
		return
	}
	select {
	case l.streams <- s:
	case <-l.done:
		t.log.Debug("libp2p: stream refused: listener closed", "peer", s.Conn().RemotePeer(), "listener", l.addr)
		_ = s.Reset()
	}
}

// route picks the listener of an inbound stream whose connection has the
// local address local.
func (t *Transport) route(local ma.Multiaddr) *listener {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, l := range t.listeners {
		if slices.ContainsFunc(l.bound, func(b ma.Multiaddr) bool { return sameEndpoint(b, local) }) {
			return l
		}
	}
	if len(t.listeners) > 0 {
		return t.listeners[0]
	}
	return nil
}

// sameEndpoint reports whether a connection's local address local is the
// listen address bound: equal, or equal but for an unspecified IP in local
// (QUIC reports its shared socket's wildcard address).
func sameEndpoint(bound, local ma.Multiaddr) bool {
	if bound.Equal(local) {
		return true
	}
	if len(bound) < 2 || len(local) < 2 || !manet.IsIPUnspecified(local) {
		return false
	}
	return ma.Multiaddr(bound[1:]).Equal(ma.Multiaddr(local[1:]))
}

// forget removes l from the open listeners, stops listening on its
// addresses, and refuses the protocol when no listener is left.
func (t *Transport) forget(l *listener) {
	t.mu.Lock()
	defer t.mu.Unlock()
	i := slices.Index(t.listeners, l)
	if i < 0 {
		return
	}
	t.listeners = slices.Delete(t.listeners, i, i+1)
	t.swarm.ListenClose(l.bound...)
	if len(t.listeners) == 0 {
		t.host.RemoveStreamHandler(t.proto)
	}
}

// listener is what [Transport.Listen] returns.
type listener struct {
	t       *Transport
	bound   []ma.Multiaddr // the swarm's listen addresses, without /p2p
	addr    transport.Addr // bound[0] with the peer ID
	streams chan network.Stream
	done    chan struct{}
	once    sync.Once
}

// Accept waits for the next stream of the adapter's protocol and returns
// it as a *[Conn]. After Close it fails with an error wrapping
// net.ErrClosed.
func (l *listener) Accept() (net.Conn, error) {
	select {
	case <-l.done:
	default:
		select {
		case s := <-l.streams:
			c := newConn(s)
			if manet.IsIPUnspecified(s.Conn().LocalMultiaddr()) {
				c.local = l.addr // a QUIC connection knows only its socket's wildcard address
			}
			return c, nil
		case <-l.done:
		}
	}
	return nil, &net.OpError{Op: "accept", Net: "p2p", Addr: l.addr, Err: net.ErrClosed}
}

// Close stops listening on the listener's address and interrupts Accept.
// Streams waiting to be accepted are reset; accepted ones stay open.
func (l *listener) Close() error {
	first := false
	l.once.Do(func() {
		first = true
		close(l.done)
		l.t.forget(l)
	})
	if !first {
		return &net.OpError{Op: "close", Net: "p2p", Addr: l.addr, Err: net.ErrClosed}
	}
	return nil
}

// Addr returns the listen address with the host's peer ID, as a
// [transport.Addr]. For a wildcard listen address (0.0.0.0, ::) it names
// the wildcard, which libp2p does not dial: peers need one of
// [Transport.Addrs] instead.
func (l *listener) Addr() net.Addr { return l.addr }
