package libp2p

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"sync"
	"time"

	golibp2p "github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
	"github.com/libp2p/go-libp2p/p2p/muxer/yamux"
	"github.com/libp2p/go-libp2p/p2p/net/swarm"
	"github.com/libp2p/go-libp2p/p2p/security/noise"
	quic "github.com/libp2p/go-libp2p/p2p/transport/quic"
	"github.com/libp2p/go-libp2p/p2p/transport/tcp"
	ma "github.com/multiformats/go-multiaddr"
	msmux "github.com/multiformats/go-multistream"

	"github.com/networkutopia/p2p/transport"
)

// Transport is a [transport.StreamTransport] over one go-libp2p host: Dial
// opens a libp2p stream of the configured protocol to a peer, reusing the
// host's connection to it, and Listen makes the host listen on an address
// and hands the peers' streams to a net.Listener.
//
// Addresses are multiaddrs that end in the peer ID:
// /ip4/127.0.0.1/tcp/4001/p2p/12D3Koo... or
// /ip4/127.0.0.1/udp/4001/quic-v1/p2p/12D3Koo.... Close the Transport to
// release its host, listeners and streams.
type Transport struct {
	cfg   Config
	host  host.Host
	swarm *swarm.Swarm // h.Network(): listens, closes listeners, finds transports
	proto protocol.ID
	log   *slog.Logger

	mu        sync.Mutex // guards listeners and serialises Listen
	listeners []*listener
	closed    bool
	done      chan struct{} // closed by Close
	closeOnce sync.Once
	closeErr  error
}

var _ transport.StreamTransport = (*Transport)(nil)

// New starts a libp2p host configured by cfg. It listens nowhere until
// [Transport.Listen] is called, so a Transport that only dials opens no
// socket before its first Dial.
func New(cfg Config) (*Transport, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	priv, err := identity(cfg.Key)
	if err != nil {
		return nil, err
	}
	opts := []golibp2p.Option{
		golibp2p.Identity(priv),
		golibp2p.NoListenAddrs,
		golibp2p.DisableRelay(),
		golibp2p.DisableMetrics(),
		golibp2p.Security(noise.ID, noise.New),
		golibp2p.Muxer(yamux.ID, yamux.DefaultTransport),
		golibp2p.UserAgent("networkutopia/p2p"),
	}
	for _, k := range cfg.Transports {
		switch k {
		case TCP:
			opts = append(opts, golibp2p.Transport(tcp.NewTCPTransport))
		case QUIC:
			opts = append(opts, golibp2p.Transport(quic.NewTransport))
		}
	}
	h, err := golibp2p.New(append(opts, cfg.Options...)...)
	if err != nil {
		return nil, fmt.Errorf("libp2p: start host: %w", err)
	}
	sw, ok := h.Network().(*swarm.Swarm)
	if !ok {
		_ = h.Close()
		return nil, fmt.Errorf("%w: Config.Options: the host's network is a %T, not go-libp2p's swarm", ErrBadConfig, h.Network())
	}
	return &Transport{
		cfg:   cfg,
		host:  h,
		swarm: sw,
		proto: protocol.ID(cfg.Protocol),
		log:   cfg.Logger,
		done:  make(chan struct{}),
	}, nil
}

// ID returns the host's peer ID, the text after /p2p/ in its addresses.
func (t *Transport) ID() string { return t.host.ID().String() }

// Addrs returns the addresses the host listens on, each ending in its
// peer ID; a wildcard listen address (0.0.0.0, ::) is expanded to the
// machine's interface addresses. Empty until Listen is called.
func (t *Transport) Addrs() []transport.Addr {
	las, err := t.host.Network().InterfaceListenAddresses()
	if err != nil {
		las = t.host.Network().ListenAddresses()
	}
	out := make([]transport.Addr, 0, len(las))
	for _, a := range las {
		out = append(out, t.withSelf(a))
	}
	return out
}

// Host returns the underlying go-libp2p host, for what the adapter does
// not wrap (other protocols, the peerstore, connection events). Streams
// of the adapter's protocol belong to its listeners: do not set a handler
// for it.
func (t *Transport) Host() host.Host { return t.host }

// Dial opens a stream to the peer named by addr, a multiaddr ending in
// /p2p/<peer ID>, connecting to it first unless the host already has a
// connection to that peer. It returns once the peer has accepted the
// protocol. An address that is not a multiaddr, has no peer ID, or names a
// transport this host does not run wraps [transport.ErrBadAddr]; a peer
// that cannot be reached, or that listens for none of the adapter's
// streams, wraps [transport.ErrUnreachable] (and [transport.ErrTimeout]
// when ctx expired).
func (t *Transport) Dial(ctx context.Context, addr transport.Addr) (net.Conn, error) {
	if t.isClosed() {
		return nil, &net.OpError{Op: "dial", Net: "p2p", Addr: addr, Err: net.ErrClosed}
	}
	info, err := t.parseDialAddr(addr)
	if err != nil {
		return nil, err
	}
	if info.ID == t.host.ID() {
		return nil, fmt.Errorf("%w: %q is this host's own peer ID", transport.ErrBadAddr, addr)
	}
	if err := t.host.Connect(ctx, info); err != nil {
		return nil, t.unreachable(ctx, addr, "connect", err)
	}
	s, err := t.host.Network().NewStream(ctx, info.ID)
	if err != nil {
		return nil, t.unreachable(ctx, addr, "open stream", err)
	}
	if err := t.negotiate(ctx, s); err != nil {
		_ = s.ResetWithError(network.StreamProtocolNegotiationFailed)
		return nil, t.unreachable(ctx, addr, "negotiate "+string(t.proto), err)
	}
	return newConn(s), nil
}

// negotiate selects the adapter's protocol on s, bounded by ctx (or by
// NegotiationTimeout when ctx has no deadline). It is done before Dial
// returns, not lazily on the first write, so the peer's Accept returns
// the stream at once and a refusal is Dial's error.
func (t *Transport) negotiate(ctx context.Context, s network.Stream) error {
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(t.cfg.NegotiationTimeout)
	}
	if err := s.SetDeadline(deadline); err != nil {
		return err
	}
	stop := context.AfterFunc(ctx, func() { _ = s.SetDeadline(time.Unix(1, 0)) })
	err := msmux.SelectProtoOrFail(t.proto, s)
	if !stop() { // ctx ended and has (or is about to) set a past deadline
		if err == nil {
			return ctx.Err()
		}
		return fmt.Errorf("%w: %w", ctx.Err(), err)
	}
	if err != nil {
		return err
	}
	if err := s.SetProtocol(t.proto); err != nil {
		return err
	}
	return s.SetDeadline(time.Time{})
}

// parseDialAddr parses a /.../p2p/<id> multiaddr and checks that the host
// has a transport for its network part.
func (t *Transport) parseDialAddr(addr transport.Addr) (peer.AddrInfo, error) {
	_, info, err := parseAddr(addr)
	if err != nil {
		return peer.AddrInfo{}, err
	}
	for _, a := range info.Addrs {
		if t.swarm.TransportForDialing(a) == nil {
			return peer.AddrInfo{}, fmt.Errorf("%w: %q: this host runs no transport for %s (it runs %v)", transport.ErrBadAddr, addr, a, t.cfg.Transports)
		}
	}
	return *info, nil
}

// unreachable wraps a failed connect or negotiation as ErrUnreachable,
// adding ErrTimeout when ctx expired and ErrClosed when the Transport was
// closed meanwhile.
func (t *Transport) unreachable(ctx context.Context, addr transport.Addr, step string, err error) error {
	switch {
	case t.isClosed():
		return &net.OpError{Op: "dial", Net: "p2p", Addr: addr, Err: fmt.Errorf("%w: %w", net.ErrClosed, err)}
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return fmt.Errorf("%w: %w: %s %s: %w", transport.ErrUnreachable, transport.ErrTimeout, step, addr, err)
	}
	return fmt.Errorf("%w: %s %s: %w", transport.ErrUnreachable, step, addr, err)
}

// withSelf appends /p2p/<this host's peer ID> to a.
func (t *Transport) withSelf(a ma.Multiaddr) transport.Addr {
	return transport.Addr(a.String() + "/p2p/" + t.host.ID().String())
}

func (t *Transport) isClosed() bool {
	select {
	case <-t.done:
		return true
	default:
		return false
	}
}

// Close closes every listener and the host, with its connections and
// streams. Further Dials and Listens fail with net.ErrClosed.
func (t *Transport) Close() error {
	t.closeOnce.Do(func() {
		t.mu.Lock()
		t.closed = true
		close(t.done)
		ls := slices.Clone(t.listeners)
		t.mu.Unlock()
		for _, l := range ls {
			_ = l.Close()
		}
		t.closeErr = t.host.Close()
	})
	return t.closeErr
}
